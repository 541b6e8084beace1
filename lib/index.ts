export * from './compute';
export * from './unmanaged-compute';
export * from './job-queue';
export * from './job-definition-base';
export * from './container-job';
export * from './multi-node-job';
export * from './checks';

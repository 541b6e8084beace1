/**
 * batchkit/runtime: submit and track AWS Batch job graphs, on AWS Batch or on the local engine.
 */
export * from './model/batch-api';
export * from './model/events';
export * from './model/errors';
export * from './workflow';
export * from './engine';
export * from './server/server';
export * from './template/load-template';

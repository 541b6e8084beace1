/**
 * The workflow runtime: define a graph of Batch jobs (in code or in a YAML/JSON file), submit
 * it with native dependencies, track it cheaply, journal it, resume it after a crash.
 */
export * from './errors';
export * from './model';
export * from './validate';
export * from './load';
export * from './plan';
export * from './retry';
export * from './journal';
export * from './resolver';
export * from './events';
export * from './batch-calls';
export * from './submit';
export * from './poll-timing';
export * from './track';
export * from './report';
export * from './run';
export { AWS_CONSISTENCY_WINDOW_MS } from './run-launch';
export * from './reference-check';
export * from './retry-failed';
export * from './run-identity';

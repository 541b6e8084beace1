export * from './batch-summary';
export * from './permission-summary';
export * from './placeable';
export * from './render-summary';
export type { BatchSummarySource } from './template-source';

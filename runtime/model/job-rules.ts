/**
 * Limits AWS Batch puts on one job as SubmitJob and RegisterJobDefinition see it: array size,
 * dependencies and node count. Consumers decide with the ranges and word their own messages.
 */
import { integerRange } from './integer-range';

/** Children an array job may have: 2 to 10,000. */
export const ARRAY_SIZE_RANGE = integerRange(2, 10_000);

/** Most `dependsOn` entries one job may have. */
export const MAX_JOB_DEPENDENCIES = 20;

/** Most job ids one DescribeJobs call takes. */
export const MAX_DESCRIBE_JOBS = 100;

/** Nodes a multi-node parallel job may have: 1 to 1,000. */
export const NUM_NODES_RANGE = integerRange(1, 1000);

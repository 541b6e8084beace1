/**
 * Tag key batchkit puts on every resource it creates, valued `compute-environment`,
 * `job-queue`, `job-definition`, `execution-role` or `instance-role`, so tag-based policies and
 * cost reports can target them.
 */
export const BATCHKIT_COMPONENT_TAG = 'batchkit:component';

/**
 * Join jobs: how the workflow runtime gives a step more than Batch's 20 dependencies (each
 * join job waits for up to 20 parents and does nothing). Shared by the runtime, which submits
 * them, and the constructs, which can provision their job definition.
 */

/** Name of the job definition join jobs run, unless a workflow names another. */
export const DEFAULT_JOIN_JOB_DEFINITION_NAME = 'batchkit-join';

/** Image of a join job: the smallest public image with a `true` command. */
export const JOIN_JOB_IMAGE = 'public.ecr.aws/docker/library/busybox:stable';

/** Command of a join job: succeed at once. */
export const JOIN_JOB_COMMAND: readonly string[] = ['true'];

/** Memory of a join job, MiB: as little as an EC2 job may ask for. */
export const JOIN_JOB_MEMORY_MIB = 128;

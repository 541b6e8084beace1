import { Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import {
  DEFAULT_JOIN_JOB_DEFINITION_NAME, JOIN_JOB_COMMAND, JOIN_JOB_IMAGE, JOIN_JOB_MEMORY_MIB,
} from '../runtime/model/join-jobs';
import { Ec2ContainerJob } from './container-job';

/** Properties of a {@link WorkflowJoinJob}. */
export interface WorkflowJoinJobProps {
  /**
   * Name of the job definition; a workflow whose `join.jobDefinition` is unset uses the default.
   * @default 'batchkit-join'
   */
  readonly jobDefinitionName?: string;
  /**
   * Queues the join jobs are submitted to (a workflow's `join.jobQueue`, or each step's queue).
   * @default - checked against every queue of the app
   */
  readonly queues?: batch.IJobQueue[];
  /**
   * Image of the join job; it only needs a `true` command.
   * @default - busybox from ECR Public
   */
  readonly image?: ecs.ContainerImage;
}

/**
 * The job definition of the workflow runtime's join jobs, which let a step wait for more than
 * Batch's 20 dependencies: 1 vCPU, 128 MiB, `true`. Declaring it here lets the runtime run
 * without `batch:RegisterJobDefinition` on AWS.
 */
export class WorkflowJoinJob extends Ec2ContainerJob {
  constructor(scope: Construct, id: string, props: WorkflowJoinJobProps = {}) {
    super(scope, id, {
      jobDefinitionName: props.jobDefinitionName ?? DEFAULT_JOIN_JOB_DEFINITION_NAME,
      image: props.image ?? ecs.ContainerImage.fromRegistry(JOIN_JOB_IMAGE),
      command: [...JOIN_JOB_COMMAND],
      vcpus: 1,
      memory: Size.mebibytes(JOIN_JOB_MEMORY_MIB),
      queues: props.queues,
    });
  }
}

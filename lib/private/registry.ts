import type * as batch from 'aws-cdk-lib/aws-batch';
import type { CpuArchitecture } from '../../runtime/model/instance-catalog';

/*
 * Facts the checks need that CloudFormation cannot carry: which queues a job definition is
 * bound to, the architecture an EC2 job's image needs, and the instance types attached to an
 * unmanaged compute environment. Keyed by the L1 resource, so the checks can read a plain L2 app
 * (no entries) and a batchkit app the same way.
 */

/** Queues each batchkit job definition is bound to. */
export const boundQueues = new WeakMap<batch.CfnJobDefinition, batch.IJobQueue[]>();

/** Architecture the image of an EC2 job definition needs. */
export const jobArchitectures = new WeakMap<batch.CfnJobDefinition, CpuArchitecture>();

/** Instance types of the instances attached to an unmanaged compute environment. */
export const attachedInstanceTypes = new WeakMap<batch.CfnComputeEnvironment, string[]>();

/** L1 resources whose checks a batchkit construct runs itself: the aspect leaves them alone. */
export const checkedByConstruct = new WeakSet<batch.CfnJobDefinition | batch.CfnJobQueue | batch.CfnComputeEnvironment>();

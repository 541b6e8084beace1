import type * as batch from 'aws-cdk-lib/aws-batch';
import type { CpuArchitecture } from '../../runtime/model/instance-catalog';

/*
 * Facts the checks need that CloudFormation cannot carry: the architecture an EC2 job's image
 * needs, and the instance types attached to an unmanaged compute environment. Keyed by the L1
 * resource, so the checks can read a plain L2 app (no entries) and a batchkit app the same way.
 */

/** Architecture the image of an EC2 job definition needs. */
export const jobArchitectures = new WeakMap<batch.CfnJobDefinition, CpuArchitecture>();

/** Instance types of the instances attached to an unmanaged compute environment. */
export const attachedInstanceTypes = new WeakMap<batch.CfnComputeEnvironment, string[]>();

/** L1 resources whose checks a batchkit construct runs itself: the aspect leaves them alone. */
export const checkedByConstruct = new WeakSet<batch.CfnJobDefinition | batch.CfnJobQueue | batch.CfnComputeEnvironment>();

import { Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { BatchkitTags } from '../tags';

/** Construct id of the instance role every batchkit EKS compute environment in a stack shares. */
export const SHARED_EKS_INSTANCE_ROLE_ID = 'BatchkitEksInstanceRole';

/**
 * The managed policies of an EKS node: joining the cluster, pulling images from ECR, and the
 * VPC CNI plugin's network interface calls (which it makes with the node's role unless the
 * cluster gives the plugin a role of its own).
 */
const EKS_NODE_POLICIES = ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy'];

/**
 * The instance role shared by the EKS nodes of `scope`'s stack, created on first use. The role
 * aws-cdk-lib gives EKS compute carries the ECS container instance policy, with which a node
 * cannot join a cluster; every EKS node needs the same policies, so one role serves them all.
 */
export function sharedEksInstanceRole(scope: IConstruct): iam.Role {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(SHARED_EKS_INSTANCE_ROLE_ID);
  if (existing) return existing as iam.Role;
  const role = new iam.Role(stack, SHARED_EKS_INSTANCE_ROLE_ID, {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: 'Shared by the batchkit EKS nodes of this stack: joins the cluster, pulls images, runs the VPC CNI plugin',
    managedPolicies: EKS_NODE_POLICIES.map((name) => iam.ManagedPolicy.fromAwsManagedPolicyName(name)),
  });
  Tags.of(role).add(BatchkitTags.COMPONENT, 'instance-role');
  return role;
}

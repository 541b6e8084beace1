import { Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { kubernetesNamespaceProblem } from '../runtime/model/eks-rules';
import { CpuArchitecture } from './compute';
import { ManagedEc2ComputeOptions } from './managed-compute-options';
import { sharedEksInstanceRole } from './private/eks-instance-role';
import { completeManagedEc2Compute, managedEc2L2Props } from './private/managed-compute';

/** Properties of an {@link EksCompute}. */
export interface EksComputeProps extends ManagedEc2ComputeOptions {
  /**
   * The EKS cluster the nodes join. Batch needs RBAC access to it and its namespace before the
   * compute environment can become VALID; the nodes' instance role must be allowed to join it
   * (an access entry of type EC2_LINUX, or a mapping in `aws-auth`).
   */
  readonly eksCluster: eks.ICluster;
  /**
   * Kubernetes namespace Batch runs the job pods in: a lowercase RFC 1123 label of at most 63
   * characters, not `default` and not starting with `kube-`, checked at synth.
   */
  readonly kubernetesNamespace: string;
  /**
   * Images the nodes boot, each with the kind of node it is for (`imageType`).
   * @default - Batch's EKS-optimized Amazon Linux 2023 images: EKS_AL2023, and EKS_AL2023_NVIDIA for GPU instance types
   */
  readonly images?: batch.EksMachineImage[];
  /**
   * Role of the nodes.
   * @default - one role shared by the batchkit EKS compute of the stack, with the EKS worker node, ECR read-only and VPC CNI policies
   */
  readonly instanceRole?: iam.IRole;
}

// Batch on EKS launches its nodes from EKS-optimized images. Naming the Amazon Linux 2023 ones
// keeps the nodes off Amazon Linux 2, whose EKS images are no longer updated, and makes the
// launch template carry nodeadm user data (`userdataType`), the only kind AL2023 nodes read.
const DEFAULT_EKS_IMAGES: batch.EksMachineImage[] = [
  { imageType: batch.EksMachineImageType.EKS_AL2023 },
  { imageType: batch.EksMachineImageType.EKS_AL2023_NVIDIA },
];

// Job pods off the host network (`useHostNetwork: false`) are one network hop further from the
// instance metadata service than the node itself; EKS's own node groups allow the same two hops.
const EKS_METADATA_HOP_LIMIT = 2;

/**
 * Managed EC2 compute for jobs on an Amazon EKS cluster, on-demand or Spot. An L2
 * `ManagedEc2EksComputeEnvironment` (so an `IComputeEnvironment` anywhere one is taken) that,
 * unlike the L2, gives its nodes a role that can join a cluster, does not silently add `optimal`
 * next to the instance types you list, requires IMDSv2, boots Amazon Linux 2023 nodes, and is
 * checked at synth: its namespace, and the jobs of its queues against its instance types.
 */
export class EksCompute extends batch.ManagedEc2EksComputeEnvironment {
  /** Architecture of the instances. */
  public readonly architecture: CpuArchitecture;
  /** Whether all traffic between the instances is allowed. */
  public readonly allowsNodeToNodeTraffic: boolean;

  constructor(scope: Construct, id: string, props: EksComputeProps) {
    // The L2 throws on BEST_FIT with a message that does not name the prop; the checks report it.
    const bestFit = props.allocationStrategy === batch.AllocationStrategy.BEST_FIT;
    const l2Props = managedEc2L2Props(scope, id, { ...props, allocationStrategy: bestFit ? undefined : props.allocationStrategy }, EKS_METADATA_HOP_LIMIT);
    super(scope, id, {
      ...l2Props,
      eksCluster: props.eksCluster,
      kubernetesNamespace: props.kubernetesNamespace,
      images: props.images ?? [...DEFAULT_EKS_IMAGES],
      instanceRole: props.instanceRole ?? sharedEksInstanceRole(scope),
    });
    this.architecture = props.architecture ?? CpuArchitecture.X86_64;
    this.allowsNodeToNodeTraffic = completeManagedEc2Compute(this, id, props, (findings) => ({
      errors: [...findings.errors, ...eksOptionErrors(this.node.path, props)],
      warnings: Token.isUnresolved(props.kubernetesNamespace)
        ? [...findings.warnings, `compute environment '${this.node.path}': skipped checks of kubernetesNamespace: not known at synth time (a token)`]
        : findings.warnings,
    }));
  }
}

/** Problems with the props only EKS compute has; `path` names the construct. */
function eksOptionErrors(path: string, props: EksComputeProps): string[] {
  const errors: string[] = [];
  const namespace = props.kubernetesNamespace;
  const problem = Token.isUnresolved(namespace) ? undefined : kubernetesNamespaceProblem(namespace);
  if (problem) errors.push(`compute environment '${path}' has kubernetesNamespace '${namespace}' but ${problem}`);
  if (props.allocationStrategy === batch.AllocationStrategy.BEST_FIT) {
    errors.push(`compute environment '${path}' has allocationStrategy BEST_FIT but Batch on EKS expects BEST_FIT_PROGRESSIVE, SPOT_CAPACITY_OPTIMIZED or SPOT_PRICE_CAPACITY_OPTIMIZED`);
  }
  return errors;
}

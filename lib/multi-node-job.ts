import { IResolveContext, Lazy, Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { BatchJobDefinitionBase, BatchJobDefinitionProps } from './job-definition-base';
import { containerSettingsCheck, efaDevicesOf, efaPlacementCheck } from './private/job-definition-checks';
import { addChecks } from './private/resource-checks';

const DEFAULT_VCPUS = 1;
const DEFAULT_MEMORY = Size.mebibytes(2048);

/** One node group of a {@link MultiNodeJob}: a range of nodes running the same container on one instance type. */
export interface NodeGroup {
  /** First node of the group (0-based). */
  readonly startNode: number;
  /**
   * Last node of the group, inclusive. Leave it out on the group that should grow with the job:
   * its range is then open at the end (`start:`), reaching the last node, and that is what lets
   * a submit's `nodeOverrides.numNodes` run the job on more or fewer nodes than `numNodes`.
   * @default - the job's last node, as an open range
   */
  readonly endNode?: number;
  /** Instance type the group's nodes run on. */
  readonly instanceType: ec2.InstanceType;
  /** Image of the group's container. */
  readonly image: ecs.ContainerImage;
  /**
   * vCPUs of the container.
   * @default 1
   */
  readonly vcpus?: number;
  /**
   * Memory of the container.
   * @default Size.mebibytes(2048)
   */
  readonly memory?: Size;
  /**
   * GPUs of the container.
   * @default 0
   */
  readonly gpus?: number;
  /**
   * Command of the container.
   * @default - the image's command
   */
  readonly command?: string[];
  /**
   * Environment variables of the container (names may not start with `AWS_BATCH`).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * EFS and host volumes with their mount points.
   * @default - none
   */
  readonly volumes?: batch.EcsVolume[];
  /**
   * Secrets from Secrets Manager or SSM, as environment variables; the shared execution role
   * is granted to read them.
   * @default - none
   */
  readonly secrets?: Record<string, batch.Secret>;
  /**
   * Resource limits (`ulimit`) of the container: MPI over EFA wants `memlock` unlimited.
   * @default - the Docker daemon's defaults
   */
  readonly ulimits?: batch.Ulimit[];
  /**
   * Linux parameters: EFA interfaces as host devices (`/dev/infiniband/uverbs0`, ...), which
   * need an EFA-capable `instanceType`, a larger `/dev/shm` for MPI, tmpfs mounts.
   * @default - none
   */
  readonly linuxParameters?: batch.LinuxParameters;
  /**
   * Whether the container runs privileged.
   * @default false
   */
  readonly privileged?: boolean;
  /**
   * User the container runs as.
   * @default - the image's user
   */
  readonly user?: string;
  /**
   * Log driver of the container.
   * @default - the awslogs driver, to the `/aws/batch/job` log group
   */
  readonly logging?: ecs.LogDriver;
}

/** Properties of a {@link MultiNodeJob}. */
export interface MultiNodeJobProps extends BatchJobDefinitionProps {
  /** Number of nodes: the node groups must cover nodes 0..numNodes-1 exactly. */
  readonly numNodes: number;
  /**
   * Index of the main node, which starts first and whose exit ends the job.
   * @default 0
   */
  readonly mainNode?: number;
  /**
   * One to five node groups.
   * @default - none; add them with `addNodeGroup`
   */
  readonly nodeGroups?: NodeGroup[];
}

/**
 * A multi-node parallel job definition. Unlike the L2 `MultiNodeJobDefinition`, `numNodes` is
 * what you say (the L2 sums the range sizes, hiding gaps and overlaps), each node group has its
 * own instance type, and the layout and placement are checked at synth: ranges that overlap or
 * leave nodes out, a main node outside them, Spot or Fargate queues, groups that fit no instance.
 * It composes an L2 `MultiNodeJobDefinition` ({@link multiNodeJobDefinition}) for the rendering
 * of the containers, and states `numNodes` and the instance types on its resource.
 */
export class MultiNodeJob extends BatchJobDefinitionBase {
  /** Number of nodes. */
  public readonly numNodes: number;
  /** Index of the main node. */
  public readonly mainNode: number;
  /** Whether tags are copied to the ECS tasks. */
  public readonly propagateTags: boolean;
  /** The L2 job definition that renders the containers of this one. */
  public readonly multiNodeJobDefinition: batch.MultiNodeJobDefinition;
  private readonly groupInstanceTypes: string[] = [];
  private readonly openEndedGroups: boolean[] = [];
  private readonly groupStarts: number[] = [];

  constructor(scope: Construct, id: string, props: MultiNodeJobProps) {
    super(scope, id, props);
    this.numNodes = props.numNodes;
    this.mainNode = props.mainNode ?? 0;
    this.propagateTags = props.propagateTags ?? true;
    this.multiNodeJobDefinition = new batch.MultiNodeJobDefinition(this, 'Default', {
      jobDefinitionName: props.jobDefinitionName,
      parameters: props.parameters,
      retryAttempts: props.retryAttempts,
      retryStrategies: props.retryStrategies,
      timeout: props.timeout,
      schedulingPriority: props.schedulingPriority,
      skipDeregisterOnUpdate: props.skipDeregisterOnUpdate,
      mainNode: this.mainNode,
      propagateTags: this.propagateTags,
    });
    const cfn = this.multiNodeJobDefinition.node.defaultChild as batch.CfnJobDefinition;
    // The L2 renders one instance type for every range and numNodes as the sum of the range
    // sizes (so a gap or an overlap goes unseen). What the user said is stated here instead, on
    // top of the L2's own rendering of each range's container; the checks then judge it.
    const rendered = cfn.nodeProperties;
    cfn.nodeProperties = Lazy.uncachedAny({ produce: (context: IResolveContext) => this.renderNodeProperties(context, rendered) });
    this.useDefinition(this.multiNodeJobDefinition);
    for (const group of props.nodeGroups ?? []) this.addNodeGroup(group);
  }

  /** Adds a node group; its container shares the job definition's job and execution roles. */
  public addNodeGroup(group: NodeGroup): void {
    const memory = group.memory ?? DEFAULT_MEMORY;
    const container = new batch.EcsEc2ContainerDefinition(this, `NodeGroup${this.groupInstanceTypes.length + 1}`, {
      image: group.image,
      cpu: group.vcpus ?? DEFAULT_VCPUS,
      memory,
      gpu: group.gpus,
      command: group.command,
      environment: group.environment,
      volumes: group.volumes,
      secrets: group.secrets,
      ulimits: group.ulimits,
      linuxParameters: group.linuxParameters,
      privileged: group.privileged,
      user: group.user,
      logging: group.logging,
      executionRole: this.executionRole,
      jobRole: this.jobRole,
    });
    const instanceType = group.instanceType.toString();
    this.groupInstanceTypes.push(instanceType);
    this.openEndedGroups.push(group.endNode === undefined);
    this.groupStarts.push(group.startNode);
    // The L2 needs an end; an open group's is the last node, and its range is rendered `start:`.
    const endNode = group.endNode ?? this.numNodes - 1;
    this.multiNodeJobDefinition.addContainer({ startNode: group.startNode, endNode, container });
    const subject = `node group '${group.startNode}:${group.endNode ?? ''}' of job definition '${this.node.id}'`;
    addChecks(this, () => {
      const settings = containerSettingsCheck(this, { subject, platform: 'EC2', memory, linuxParameters: group.linuxParameters, ulimits: group.ulimits });
      const efa = efaPlacementCheck(subject, efaDevicesOf(this, group.linuxParameters), instanceType);
      return { errors: [...settings.errors, ...efa.errors], warnings: [...settings.warnings, ...efa.warnings] };
    });
  }

  private renderNodeProperties(context: IResolveContext, rendered: unknown): batch.CfnJobDefinition.NodePropertiesProperty {
    const byL2 = context.resolve(rendered) as batch.CfnJobDefinition.NodePropertiesProperty;
    const ranges = (byL2.nodeRangeProperties ?? []) as batch.CfnJobDefinition.NodeRangePropertyProperty[];
    return {
      ...byL2,
      numNodes: this.numNodes,
      nodeRangeProperties: ranges.map((range, i) => ({
        ...range,
        ...(this.openEndedGroups[i] ? { targetNodes: `${this.groupStarts[i]}:` } : {}),
        container: { ...range.container as batch.CfnJobDefinition.ContainerPropertiesProperty, instanceType: this.groupInstanceTypes[i] },
      })),
    };
  }
}

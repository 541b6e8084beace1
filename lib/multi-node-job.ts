import { Lazy, Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { BatchJobDefinitionBase, BatchJobDefinitionProps } from './job-definition-base';

/** One node group of a {@link MultiNodeJob}: a range of nodes running the same container on one instance type. */
export interface NodeGroup {
  /** First node of the group (0-based). */
  readonly startNode: number;
  /** Last node of the group, inclusive. */
  readonly endNode: number;
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
 */
export class MultiNodeJob extends BatchJobDefinitionBase {
  /** Number of nodes. */
  public readonly numNodes: number;
  /** Index of the main node. */
  public readonly mainNode: number;
  /** Whether tags are copied to the ECS tasks. */
  public readonly propagateTags: boolean;
  private readonly renderedGroups: batch.CfnJobDefinition.NodeRangePropertyProperty[] = [];

  constructor(scope: Construct, id: string, props: MultiNodeJobProps) {
    super(scope, id, props);
    this.numNodes = props.numNodes;
    this.mainNode = props.mainNode ?? 0;
    this.propagateTags = props.propagateTags ?? true;
    this.registerResource(new batch.CfnJobDefinition(this, 'Resource', {
      ...batch.baseJobDefinitionProperties(this),
      type: 'multinode',
      jobDefinitionName: props.jobDefinitionName,
      nodeProperties: {
        numNodes: this.numNodes,
        mainNode: this.mainNode,
        nodeRangeProperties: Lazy.any({ produce: () => this.renderedGroups }),
      },
      platformCapabilities: [batch.Compatibility.EC2],
      propagateTags: this.propagateTags,
    }));
    for (const group of props.nodeGroups ?? []) this.addNodeGroup(group);
  }

  /** Adds a node group; its container shares the job definition's job and execution roles. */
  public addNodeGroup(group: NodeGroup): void {
    const container = new batch.EcsEc2ContainerDefinition(this, `NodeGroup${this.renderedGroups.length + 1}`, {
      image: group.image,
      cpu: group.vcpus ?? 1,
      memory: group.memory ?? Size.mebibytes(2048),
      gpu: group.gpus,
      command: group.command,
      environment: group.environment,
      volumes: group.volumes,
      executionRole: this.executionRole,
      jobRole: this.jobRole,
    });
    this.renderedGroups.push({
      targetNodes: `${group.startNode}:${group.endNode}`,
      container: { ...container._renderContainerDefinition(), instanceType: group.instanceType.toString() },
    });
  }
}

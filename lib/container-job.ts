import { Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { CpuArchitecture } from './compute';
import { BatchJobDefinitionBase, BatchJobDefinitionProps } from './job-definition-base';
import { jobArchitectures } from './private/registry';

/** What a container job runs: properties shared by EC2 and Fargate container jobs. */
export interface ContainerJobProps extends BatchJobDefinitionProps {
  /** Image of the container. */
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
   * Command, with `Ref::name` placeholders filled from `parameters`.
   * @default - the image's command
   */
  readonly command?: string[];
  /**
   * Environment variables (names may not start with `AWS_BATCH`).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Secrets from Secrets Manager or SSM, as environment variables.
   * @default - none
   */
  readonly secrets?: Record<string, batch.Secret>;
  /**
   * EFS and host volumes, each with its mount point (`batch.EcsVolume.efs(...)`, `batch.EcsVolume.host(...)`).
   * @default - none
   */
  readonly volumes?: batch.EcsVolume[];
  /**
   * Log driver of the container.
   * @default - the awslogs driver, to the `/aws/batch/job` log group
   */
  readonly logging?: ecs.LogDriver;
  /**
   * Whether the root filesystem is read-only.
   * @default false
   */
  readonly readonlyRootFilesystem?: boolean;
  /**
   * User the container runs as.
   * @default - the image's user
   */
  readonly user?: string;
}

/** Properties of an {@link Ec2ContainerJob}. */
export interface Ec2ContainerJobProps extends ContainerJobProps {
  /**
   * GPUs of the container.
   * @default 0
   */
  readonly gpus?: number;
  /**
   * Architecture the image is built for: the placement check requires instances of it.
   * @default - any architecture
   */
  readonly architecture?: CpuArchitecture;
  /**
   * Whether the container runs privileged.
   * @default false
   */
  readonly privileged?: boolean;
}

const DEFAULT_VCPUS = 1;
const DEFAULT_MEMORY = Size.mebibytes(2048);

/**
 * A container job for EC2 compute: an L2 `IEcsJobDefinition` with its own job role, the stack's
 * shared execution role, and synth-time checks that it fits its queues.
 */
export class Ec2ContainerJob extends BatchJobDefinitionBase {
  /** The container, as the L2 models it. */
  public readonly container: batch.EcsEc2ContainerDefinition;
  /** Whether tags are copied to the ECS task. */
  public readonly propagateTags: boolean;

  constructor(scope: Construct, id: string, props: Ec2ContainerJobProps) {
    super(scope, id, props);
    this.propagateTags = props.propagateTags ?? true;
    this.container = new batch.EcsEc2ContainerDefinition(this, 'Container', {
      ...containerProps(props),
      executionRole: this.executionRole,
      jobRole: this.jobRole,
      gpu: props.gpus,
      privileged: props.privileged,
    });
    const cfn = renderContainerJob(this, props.jobDefinitionName, this.container, batch.Compatibility.EC2, this.propagateTags);
    if (props.architecture) jobArchitectures.set(cfn, props.architecture);
    this.registerResource(cfn);
  }
}

/** Properties of a {@link FargateContainerJob}. */
export interface FargateContainerJobProps extends ContainerJobProps {
  /**
   * Architecture of the Fargate task.
   * @default CpuArchitecture.X86_64
   */
  readonly architecture?: CpuArchitecture;
  /**
   * Whether the task gets a public IP (needed to pull images from a public subnet without NAT).
   * @default false
   */
  readonly assignPublicIp?: boolean;
  /**
   * Ephemeral storage of the task (21..200 GiB).
   * @default - 20 GiB
   */
  readonly ephemeralStorage?: Size;
}

/**
 * A container job for Fargate compute, checked at synth against Fargate's vCPU/memory pairs:
 * an L2 `IEcsJobDefinition` with its own job role and the stack's shared execution role.
 */
export class FargateContainerJob extends BatchJobDefinitionBase {
  /** The container, as the L2 models it. */
  public readonly container: batch.EcsFargateContainerDefinition;
  /** Whether tags are copied to the ECS task. */
  public readonly propagateTags: boolean;

  constructor(scope: Construct, id: string, props: FargateContainerJobProps) {
    super(scope, id, props);
    this.propagateTags = props.propagateTags ?? true;
    this.container = new batch.EcsFargateContainerDefinition(this, 'Container', {
      ...containerProps(props),
      executionRole: this.executionRole,
      jobRole: this.jobRole,
      fargateCpuArchitecture: props.architecture === CpuArchitecture.ARM64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      fargateOperatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      assignPublicIp: props.assignPublicIp,
      ephemeralStorageSize: props.ephemeralStorage,
    });
    this.registerResource(renderContainerJob(this, props.jobDefinitionName, this.container, batch.Compatibility.FARGATE, this.propagateTags));
  }
}

function containerProps(props: ContainerJobProps) {
  return {
    image: props.image,
    cpu: props.vcpus ?? DEFAULT_VCPUS,
    memory: props.memory ?? DEFAULT_MEMORY,
    command: props.command,
    environment: props.environment,
    secrets: props.secrets,
    volumes: props.volumes,
    logging: props.logging,
    readonlyRootFilesystem: props.readonlyRootFilesystem,
    user: props.user,
  };
}

function renderContainerJob(
  job: BatchJobDefinitionBase, name: string | undefined, container: batch.IEcsContainerDefinition, platform: batch.Compatibility, propagateTags: boolean,
): batch.CfnJobDefinition {
  return new batch.CfnJobDefinition(job, 'Resource', {
    ...batch.baseJobDefinitionProperties(job),
    type: 'container',
    jobDefinitionName: name,
    // The L2's own rendering (what EcsJobDefinition calls): it binds the image and volumes.
    containerProperties: container._renderContainerDefinition(),
    platformCapabilities: [platform],
    propagateTags,
  });
}

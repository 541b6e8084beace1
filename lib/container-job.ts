import { Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { fargateEphemeralStorageProblem } from '../runtime/model/container-resource-rules';
import { CpuArchitecture } from './compute';
import { BatchJobDefinitionBase, BatchJobDefinitionProps } from './job-definition-base';
import { containerSettingsCheck, fargateRequestCheck } from './private/job-definition-checks';
import { addChecks } from './private/resource-checks';

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
  /**
   * Linux parameters: `/dev/shm` size, swap, host devices (EFA interfaces among them), tmpfs
   * mounts, an init process (`new batch.LinuxParameters(scope, id, {...})`). Fargate takes only
   * `initProcessEnabled`; Windows containers take none.
   * @default - none
   */
  readonly linuxParameters?: batch.LinuxParameters;
  /**
   * Whether `aws ecs execute-command` can open a shell in the running container. The job role
   * gets the `ssmmessages` permissions ECS Exec needs.
   * @default false
   */
  readonly enableExecuteCommand?: boolean;
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
  /**
   * Resource limits (`ulimit`) of the container, e.g. `memlock` unlimited for EFA or RDMA.
   * @default - the Docker daemon's defaults
   */
  readonly ulimits?: batch.Ulimit[];
}

const DEFAULT_VCPUS = 1;
const DEFAULT_MEMORY = Size.mebibytes(2048);

/**
 * A container job for EC2 compute, with its own job role, the stack's shared execution role,
 * and synth-time checks that it fits its queues. It composes an L2 `EcsJobDefinition`
 * ({@link ecsJobDefinition}), which renders it.
 */
export class Ec2ContainerJob extends BatchJobDefinitionBase {
  /** The container, as the L2 models it. */
  public readonly container: batch.EcsEc2ContainerDefinition;
  /** The L2 job definition that renders this one. */
  public readonly ecsJobDefinition: batch.EcsJobDefinition;
  /** Whether tags are copied to the ECS task. */
  public readonly propagateTags: boolean;
  /** Architecture the image needs; `undefined` when any will do. */
  public readonly architecture?: CpuArchitecture;

  constructor(scope: Construct, id: string, props: Ec2ContainerJobProps) {
    super(scope, id, props);
    this.propagateTags = props.propagateTags ?? true;
    this.architecture = props.architecture;
    this.container = new batch.EcsEc2ContainerDefinition(this, 'Container', {
      ...containerProps(props),
      executionRole: this.executionRole,
      jobRole: this.jobRole,
      gpu: props.gpus,
      privileged: props.privileged,
      ulimits: props.ulimits,
    });
    this.ecsJobDefinition = new batch.EcsJobDefinition(this, 'Default', jobDefinitionProps(props, this.container, this.propagateTags));
    this.useDefinition(this.ecsJobDefinition, props.architecture);
    addChecks(this, () => containerSettingsCheck(this, {
      subject: `job definition '${id}'`, platform: 'EC2', memory: props.memory ?? DEFAULT_MEMORY, linuxParameters: props.linuxParameters, ulimits: props.ulimits,
    }));
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
   * Ephemeral storage of the task (21..200 GiB; Linux platform version 1.4.0 or later).
   * @default - 20 GiB
   */
  readonly ephemeralStorage?: Size;
  /**
   * Fargate platform version the task runs on: 1.4.0 or later (or `LATEST`) on Linux for
   * ephemeral storage and the 8 and 16 vCPU sizes; `LATEST` or 1.0.0 for Windows.
   * @default - LATEST
   */
  readonly fargatePlatformVersion?: ecs.FargatePlatformVersion;
  /**
   * Operating system of the task. Windows containers run on X86_64 with 1 vCPU or more, on
   * on-demand Fargate only, and take no `linuxParameters`, `user`, `readonlyRootFilesystem`
   * or EFS volumes.
   * @default ecs.OperatingSystemFamily.LINUX
   */
  readonly operatingSystemFamily?: ecs.OperatingSystemFamily;
}

/**
 * A container job for Fargate compute, checked at synth against Fargate's vCPU/memory pairs,
 * with its own job role and the stack's shared execution role. It composes an L2
 * `EcsJobDefinition` ({@link ecsJobDefinition}), which renders it.
 */
export class FargateContainerJob extends BatchJobDefinitionBase {
  /** The container, as the L2 models it. */
  public readonly container: batch.EcsFargateContainerDefinition;
  /** The L2 job definition that renders this one. */
  public readonly ecsJobDefinition: batch.EcsJobDefinition;
  /** Whether tags are copied to the ECS task. */
  public readonly propagateTags: boolean;

  constructor(scope: Construct, id: string, props: FargateContainerJobProps) {
    super(scope, id, props);
    this.propagateTags = props.propagateTags ?? true;
    const storageProblem = ephemeralStorageProblem(props.ephemeralStorage);
    const os = props.operatingSystemFamily ?? ecs.OperatingSystemFamily.LINUX;
    const windows = os.isWindows();
    this.container = new batch.EcsFargateContainerDefinition(this, 'Container', {
      ...containerProps(props),
      // The L2 stops synth on a read-only root filesystem on Windows with a message about its
      // inner container; this construct's checks report it instead, naming the job.
      readonlyRootFilesystem: windows ? undefined : props.readonlyRootFilesystem,
      executionRole: this.executionRole,
      jobRole: this.jobRole,
      fargateCpuArchitecture: props.architecture === CpuArchitecture.ARM64 ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
      fargateOperatingSystemFamily: os,
      fargatePlatformVersion: props.fargatePlatformVersion,
      assignPublicIp: props.assignPublicIp,
      // A size Fargate refuses is reported by this construct's checks, naming the job and the
      // prop; given to the L2, it would stop synth with a message about its inner container.
      ephemeralStorageSize: storageProblem ? undefined : props.ephemeralStorage,
    });
    this.ecsJobDefinition = new batch.EcsJobDefinition(this, 'Default', jobDefinitionProps(props, this.container, this.propagateTags));
    this.useDefinition(this.ecsJobDefinition);
    if (storageProblem) addChecks(this, () => ({ errors: [`job definition '${id}' ${storageProblem} (ephemeralStorage)`], warnings: [] }));
    const subject = `job definition '${id}'`;
    addChecks(this, () => containerSettingsCheck(this, { subject, platform: 'FARGATE', memory: props.memory ?? DEFAULT_MEMORY, linuxParameters: props.linuxParameters }));
    addChecks(this, () => fargateRequestCheck({
      subject,
      os: windows ? 'WINDOWS' : 'LINUX',
      windowsRefusedSettings: windowsRefusedSettings(props),
      arm64: props.architecture === CpuArchitecture.ARM64,
      vcpus: props.vcpus ?? DEFAULT_VCPUS,
      memory: props.memory ?? DEFAULT_MEMORY,
      platformVersion: props.fargatePlatformVersion ?? ecs.FargatePlatformVersion.LATEST,
      ephemeralStorage: storageProblem ? undefined : props.ephemeralStorage,
      queues: this.boundQueueList,
    }));
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
    linuxParameters: props.linuxParameters,
    enableExecuteCommand: props.enableExecuteCommand,
  };
}

// The settings of a Fargate job that Windows containers refuse, by their API names.
function windowsRefusedSettings(props: FargateContainerJobProps): string[] {
  return [
    props.linuxParameters ? 'linuxParameters' : undefined,
    props.user !== undefined ? 'user' : undefined,
    props.readonlyRootFilesystem ? 'readonlyRootFilesystem' : undefined,
    (props.volumes ?? []).some((v) => batch.EfsVolume.isEfsVolume(v)) ? 'efsVolumeConfiguration' : undefined,
  ].filter((name): name is string => name !== undefined);
}

function jobDefinitionProps(props: ContainerJobProps, container: batch.IEcsContainerDefinition, propagateTags: boolean): batch.EcsJobDefinitionProps {
  return {
    jobDefinitionName: props.jobDefinitionName,
    parameters: props.parameters,
    retryAttempts: props.retryAttempts,
    retryStrategies: props.retryStrategies,
    timeout: props.timeout,
    schedulingPriority: props.schedulingPriority,
    skipDeregisterOnUpdate: props.skipDeregisterOnUpdate,
    container,
    propagateTags,
  };
}

// The problem with an ephemeral storage size, or `undefined` when Fargate accepts it or it is a
// token, which is given to the L2 as it is.
function ephemeralStorageProblem(size: Size | undefined): string | undefined {
  if (!size) return undefined;
  const gib = size.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  return Token.isUnresolved(gib) ? undefined : fargateEphemeralStorageProblem(gib);
}

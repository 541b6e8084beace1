/**
 * A job attempt's container as a container launcher runs it: the image, the limits ECS applies
 * for Batch, host paths for the job definition's volumes, and the labels by which a restarted
 * engine finds what a crashed one left running.
 */
import type * as batch from '@aws-sdk/client-batch';
import * as path from 'path';
import { BatchkitError } from '../model/errors';
import type { EngineErrorCode } from './errors';
import type { ResourceNeeds } from './job-container';

/** A host directory bind-mounted into the container. */
export interface ContainerMount {
  /** Absolute host path; created (with its parents) if missing, as Docker does for ECS. */
  readonly hostPath: string;
  /** Absolute path inside the container. */
  readonly containerPath: string;
  /** Mounted read-only. */
  readonly readOnly: boolean;
}

/** A tmpfs mount (`linuxParameters.tmpfs`). */
export interface ContainerTmpfs {
  /** Absolute path inside the container. */
  readonly containerPath: string;
  /** Size in MiB. */
  readonly sizeMiB: number;
  /** Mount options such as `noexec`. */
  readonly mountOptions: readonly string[];
}

/** A host device exposed to the container (`linuxParameters.devices`). */
export interface ContainerDevice {
  /** Device path on the host. */
  readonly hostPath: string;
  /** Path inside the container (the host path when the job definition gives none). */
  readonly containerPath: string;
  /** Docker's permission letters: any of `r`, `w`, `m`. */
  readonly permissions: string;
}

/** A resource limit (`ulimits`). */
export interface ContainerUlimit {
  /** Limit name as Docker spells it: `nofile`, `nproc`, `memlock`, ... */
  readonly name: string;
  /** Soft limit. */
  readonly softLimit: number;
  /** Hard limit. */
  readonly hardLimit: number;
}

/** Everything a container launcher needs besides the command and environment. */
export interface ContainerLaunchSpec {
  /** Image reference, used if present locally and pulled otherwise. */
  readonly image: string;
  /** Container name: unique per attempt. */
  readonly name: string;
  /** Labels: `batchkit.job-id`, `batchkit.attempt` and `batchkit.engine`. */
  readonly labels: Readonly<Record<string, string>>;
  /** vCPUs the job asked for (fractions on Fargate). */
  readonly vcpus: number;
  /** Memory in MiB: the hard limit. */
  readonly memoryMiB: number;
  /** Whole GPUs. */
  readonly gpus: number;
  /** The compute environment's platform: EC2 weighs vCPUs as CPU shares, Fargate caps them. */
  readonly platform: 'EC2' | 'FARGATE';
  /** Bind mounts from `volumes` and `mountPoints`. */
  readonly mounts: readonly ContainerMount[];
  /** `readonlyRootFilesystem`. */
  readonly readonlyRootFilesystem: boolean;
  /** `privileged`. */
  readonly privileged: boolean;
  /** `user` (name or uid[:gid]). @default - the image's user */
  readonly user?: string;
  /** `ulimits`. */
  readonly ulimits: readonly ContainerUlimit[];
  /** `linuxParameters.initProcessEnabled`: an init process reaps zombies and forwards signals. */
  readonly initProcessEnabled: boolean;
  /** `linuxParameters.sharedMemorySize` in MiB. @default - the runtime's (64 MiB) */
  readonly sharedMemorySizeMiB?: number;
  /** `linuxParameters.tmpfs`. */
  readonly tmpfs: readonly ContainerTmpfs[];
  /** `linuxParameters.devices`. */
  readonly devices: readonly ContainerDevice[];
  /** `linuxParameters.maxSwap` in MiB. @default - no swap: memory and memory+swap limits are equal */
  readonly maxSwapMiB?: number;
  /** `linuxParameters.swappiness` (0-100). @default - the runtime's */
  readonly swappiness?: number;
  /** Network shared by the nodes of a multi-node job, created by the launcher on first use. @default - a single job: the launcher's network setting */
  readonly jobNetwork?: string;
}

/** Where and as what an attempt runs, beyond its container properties. */
export interface ContainerPlacement {
  /** The job, child or node id. */
  readonly jobId: string;
  /** Attempt number, from 1. */
  readonly attempt: number;
  /** The attempt's task id (hex): makes the container name unique. */
  readonly taskId: string;
  /** Id of the engine (from its data directory), the `batchkit.engine` label. */
  readonly engineId: string;
  /** The attempt's work dir: task-scoped volumes live under it. */
  readonly workDir: string;
  /** Root of the directories EFS volumes map to: `<efsRoot>/<fileSystemId>/<rootDirectory>`. */
  readonly efsRoot: string;
  /** The compute environment's platform. */
  readonly platform: 'EC2' | 'FARGATE';
  /** What the job asked for. */
  readonly needs: ResourceNeeds;
  /** Network name for a multi-node node. @default - none */
  readonly jobNetwork?: string;
}

/** What the engine tells the attempt runner for container launches. */
export interface EngineContainerContext {
  /** Id of the engine (from its data directory), the `batchkit.engine` label. */
  readonly engineId: string;
  /** Root of the directories EFS volumes map to. */
  readonly efsRoot: string;
  /** The platform of a compute environment, by name. */
  platformOf(computeEnvironment: string): 'EC2' | 'FARGATE';
}

/** The job definition asks for a container the launcher cannot make; the message is the attempt's reason. */
export class ContainerSpecError extends BatchkitError {
  /** Always `ContainerSpecError`. */
  public readonly name = 'ContainerSpecError';
  public readonly code: EngineErrorCode = 'CONTAINER_SPEC_INVALID';
  /** The job definition must change first. */
  public readonly retryable = false;
}

/** Resolves a job's container properties into what a container launcher runs; throws `ContainerSpecError`. */
export function containerLaunchSpec(container: batch.ContainerProperties, placement: ContainerPlacement): ContainerLaunchSpec {
  if (!container.image) {
    throw new ContainerSpecError('CannotCreateContainerError: the job definition names no image: a container needs one, e.g. public.ecr.aws/docker/library/busybox:stable');
  }
  const linux = container.linuxParameters ?? {};
  return {
    image: container.image,
    name: `batchkit-${placement.jobId.replace(/[^A-Za-z0-9_.-]/g, '-')}-${placement.attempt}-${placement.taskId.slice(0, 6)}`,
    labels: { 'batchkit.job-id': placement.jobId, 'batchkit.attempt': String(placement.attempt), 'batchkit.engine': placement.engineId },
    vcpus: placement.needs.milliVcpus / 1000,
    memoryMiB: placement.needs.memoryMiB,
    gpus: placement.needs.gpus,
    platform: placement.platform,
    mounts: mountsOf(container, placement),
    readonlyRootFilesystem: container.readonlyRootFilesystem === true,
    privileged: container.privileged === true,
    user: container.user,
    ulimits: (container.ulimits ?? []).map((limit) => ({ name: limit.name!, softLimit: limit.softLimit!, hardLimit: limit.hardLimit! })),
    initProcessEnabled: linux.initProcessEnabled === true,
    sharedMemorySizeMiB: linux.sharedMemorySize,
    tmpfs: (linux.tmpfs ?? []).map((mount) => ({ containerPath: mount.containerPath!, sizeMiB: mount.size!, mountOptions: mount.mountOptions ?? [] })),
    devices: (linux.devices ?? []).map((device) => ({
      hostPath: device.hostPath!,
      containerPath: device.containerPath ?? device.hostPath!,
      permissions: devicePermissions(device.permissions),
    })),
    maxSwapMiB: linux.maxSwap,
    swappiness: linux.swappiness,
    jobNetwork: placement.jobNetwork,
  };
}

/** The network a multi-node job's nodes share: one per job, named after the job id. */
export function jobNetworkName(multiNodeJobId: string): string {
  return `batchkit-${multiNodeJobId.slice(0, 8)}`;
}

/**
 * Host paths for the mount points: a host volume is its `sourcePath`, an EFS volume a directory
 * under the engine's EFS root, and a volume with neither (a task-scoped Docker volume in ECS) a
 * directory in the attempt's work dir.
 */
function mountsOf(container: batch.ContainerProperties, placement: ContainerPlacement): ContainerMount[] {
  const volumes = new Map((container.volumes ?? []).map((volume) => [volume.name ?? '', volume]));
  return (container.mountPoints ?? []).map((mountPoint) => {
    const volume = volumes.get(mountPoint.sourceVolume ?? '');
    if (!volume) {
      const known = [...volumes.keys()].filter(Boolean);
      throw new ContainerSpecError(`CannotCreateContainerError: mount point sourceVolume ${JSON.stringify(mountPoint.sourceVolume ?? '')} names no volume of the job definition: expected one of ${known.length ? known.join(', ') : '(none defined)'}`);
    }
    if (!mountPoint.containerPath || !path.isAbsolute(mountPoint.containerPath)) {
      throw new ContainerSpecError(`CannotCreateContainerError: mount point of volume ${JSON.stringify(volume.name)} has containerPath ${JSON.stringify(mountPoint.containerPath ?? '')}: expected an absolute path`);
    }
    return { hostPath: hostPathOf(volume, placement), containerPath: mountPoint.containerPath, readOnly: mountPoint.readOnly === true };
  });
}

function hostPathOf(volume: batch.Volume, placement: ContainerPlacement): string {
  const efs = volume.efsVolumeConfiguration;
  if (efs) {
    const fileSystem = path.join(placement.efsRoot, efs.fileSystemId ?? 'unnamed');
    const root = path.join(fileSystem, efs.rootDirectory ?? '/');
    if (root !== fileSystem && !root.startsWith(`${fileSystem}${path.sep}`)) {
      throw new ContainerSpecError(`CannotCreateContainerError: EFS volume ${JSON.stringify(volume.name)} has rootDirectory ${JSON.stringify(efs.rootDirectory)}: expected a path inside the file system`);
    }
    return root;
  }
  const sourcePath = volume.host?.sourcePath;
  if (sourcePath === undefined) {
    return path.join(placement.workDir, 'volumes', volume.name ?? 'unnamed');
  }
  if (!path.isAbsolute(sourcePath)) {
    throw new ContainerSpecError(`CannotCreateContainerError: volume ${JSON.stringify(volume.name)} has host sourcePath ${JSON.stringify(sourcePath)}: expected an absolute path`);
  }
  return sourcePath;
}

function devicePermissions(permissions: string[] | undefined): string {
  if (!permissions?.length) {
    return 'rwm';
  }
  const letters: Record<string, string> = { READ: 'r', WRITE: 'w', MKNOD: 'm' };
  return permissions.map((permission) => letters[permission] ?? '').join('');
}

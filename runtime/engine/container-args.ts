/**
 * The `create` / `run` arguments (docker or podman) for a job attempt, as ECS would configure the
 * container for Batch: Batch's `command` is Docker's Cmd (after the image; nothing when the job
 * has none, so the image's CMD runs), the image's ENTRYPOINT is left alone, every variable is
 * passed with `-e`, vCPUs are CPU shares on EC2 and a hard cap on Fargate, memory is a hard limit.
 */
import type { ContainerLaunchSpec } from './container-spec';
import type { LaunchRequest } from './launcher';

/** CPU shares ECS gives per vCPU on EC2 (a relative weight, not a cap). */
export const CPU_SHARES_PER_VCPU = 1024;

/** How the launcher runs containers, beyond what each request says. */
export interface ContainerRunSettings {
  /** Which CLI the arguments are for: podman needs a few flags docker lacks, and spells GPUs differently. */
  readonly cliKind: 'docker' | 'podman';
  /** Network of a single-node job: the runtime's default network, or none at all. */
  readonly network: 'default' | 'none';
  /** Variables added to every container after the job's own (AWS credentials, when the user opted in). */
  readonly extraEnvironment: Readonly<Record<string, string>>;
}

/** The arguments after the CLI name: `create --name ... <image> [command...]`. */
export function containerCreateArgs(request: LaunchRequest, spec: ContainerLaunchSpec, settings: ContainerRunSettings): string[] {
  const args = ['create', '--name', spec.name];
  for (const [name, value] of Object.entries(spec.labels)) {
    args.push('--label', `${name}=${value}`);
  }
  for (const [name, value] of Object.entries({ ...request.environment, ...settings.extraEnvironment })) {
    args.push('-e', `${name}=${value}`);
  }
  args.push(...resourceArgs(spec, settings));
  for (const mount of spec.mounts) {
    args.push('-v', `${mount.hostPath}:${mount.containerPath}${mount.readOnly ? ':ro' : ''}`);
  }
  for (const mount of spec.tmpfs) {
    args.push('--tmpfs', `${mount.containerPath}:${[`size=${mount.sizeMiB}m`, ...mount.mountOptions].join(',')}`);
  }
  for (const device of spec.devices) {
    args.push('--device', `${device.hostPath}:${device.containerPath}${device.permissions ? `:${device.permissions}` : ''}`);
  }
  for (const limit of spec.ulimits) {
    args.push('--ulimit', `${limit.name}=${limit.softLimit}:${limit.hardLimit}`);
  }
  if (spec.readonlyRootFilesystem) {
    // Podman would otherwise mount writable tmpfs on /tmp, /var/tmp and /run; Docker (and so ECS) does not.
    args.push('--read-only', ...(settings.cliKind === 'podman' ? ['--read-only-tmpfs=false'] : []));
  }
  if (spec.user !== undefined) {
    args.push('--user', spec.user);
  }
  if (spec.privileged) {
    args.push('--privileged');
  }
  if (spec.initProcessEnabled) {
    args.push('--init');
  }
  if (spec.sharedMemorySizeMiB !== undefined) {
    args.push('--shm-size', `${spec.sharedMemorySizeMiB}m`);
  }
  if (spec.jobNetwork) {
    args.push('--network', spec.jobNetwork);
  } else if (settings.network === 'none') {
    args.push('--network', 'none');
  }
  args.push(spec.image, ...request.command);
  return args;
}

/**
 * The arguments after the CLI name: `run --cidfile <file> --name ... <image> [command...]`, attached
 * (no `-d`) and kept afterwards (no `--rm`). Every option `create` takes means the same to `run`;
 * the runtime writes the container's id to `cidFile` once the container exists.
 */
export function containerRunArgs(request: LaunchRequest, spec: ContainerLaunchSpec, settings: ContainerRunSettings, cidFile: string): string[] {
  const [, ...options] = containerCreateArgs(request, spec, settings);
  return ['run', '--cidfile', cidFile, ...options];
}

function resourceArgs(spec: ContainerLaunchSpec, settings: ContainerRunSettings): string[] {
  const args = spec.platform === 'FARGATE'
    ? ['--cpus', String(spec.vcpus)]
    // The kernel's minimum weight is 2.
    : ['--cpu-shares', String(Math.max(2, Math.round(spec.vcpus * CPU_SHARES_PER_VCPU)))];
  args.push('--memory', `${spec.memoryMiB}m`, '--memory-swap', `${spec.memoryMiB + (spec.maxSwapMiB ?? 0)}m`);
  if (spec.swappiness !== undefined) {
    args.push('--memory-swappiness', String(spec.swappiness));
  }
  if (spec.gpus > 0) {
    args.push(...(settings.cliKind === 'docker' ? ['--gpus', String(spec.gpus)] : ['--device', 'nvidia.com/gpu=all']));
  }
  return args;
}

import { Size, SizeRoundingBehavior, Stack, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { IConstruct } from 'constructs';
import {
  LinuxSettings, efaDevicePaths, linuxSettingsFindings, schedulingPriorityProblem, ulimitProblems, windowsSettingsProblem,
} from '../../runtime/model/container-settings-rules';
import { efaInstanceFindings } from '../../runtime/model/efa-rules';
import { FargateOperatingSystem, fargatePairProblem, fargatePlatformVersionProblem } from '../../runtime/model/fargate';
import type { JobPlatform } from '../../runtime/model/placement';
import type { Findings } from './resource-checks';
import { describeQueue } from './resource-checks';

/*
 * Checks of what a batchkit job definition's props say beyond its resources (Linux parameters,
 * ulimits, Windows, Fargate platform version, scheduling priority), read from the props and the
 * L2 objects the user passed, since the rules apply before anything is rendered. The rules
 * themselves live in runtime/model.
 */

const NO_FINDINGS: Findings = { errors: [], warnings: [] };

/** What one container of a job definition sets, as the settings checks need it. */
export interface ContainerSettings {
  /** How messages name the container: `job definition 'Train'`, `node group '0:3' of job definition 'Mpi'`. */
  readonly subject: string;
  /** Platform the job definition is registered for. */
  readonly platform: JobPlatform;
  /** Memory of the container. */
  readonly memory?: Size;
  /** Linux parameters, as the L2 models them. */
  readonly linuxParameters?: batch.LinuxParameters;
  /** Ulimits of the container. */
  readonly ulimits?: readonly batch.Ulimit[];
}

function mebibytes(size: Size | undefined): number | undefined {
  if (!size) return undefined;
  const mib = size.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
  return Token.isUnresolved(mib) ? undefined : mib;
}

/** The Linux parameters in Batch's units, or `undefined` when one of them is a token. */
export function linuxSettingsOf(scope: IConstruct, parameters: batch.LinuxParameters): LinuxSettings | undefined {
  const rendered = Stack.of(scope).resolve(parameters.renderLinuxParameters()) as batch.CfnJobDefinition.LinuxParametersProperty;
  const numbers = [rendered.sharedMemorySize, rendered.maxSwap, rendered.swappiness];
  const devices = (rendered.devices ?? []) as batch.CfnJobDefinition.DeviceProperty[];
  const tmpfs = (rendered.tmpfs ?? []) as batch.CfnJobDefinition.TmpfsProperty[];
  const known = (value: unknown) => value === undefined || typeof value === 'number';
  if (!numbers.every(known) || !tmpfs.every((t) => typeof t.size === 'number') || !devices.every((d) => typeof d.hostPath === 'string')) return undefined;
  return {
    sharedMemorySizeMiB: rendered.sharedMemorySize as number | undefined,
    maxSwapMiB: rendered.maxSwap as number | undefined,
    swappiness: rendered.swappiness as number | undefined,
    devicePaths: devices.map((d) => d.hostPath as string),
    tmpfsSizesMiB: tmpfs.map((t) => t.size as number),
  };
}

/** Linux parameters and ulimits of one container; `scope` resolves tokens. */
export function containerSettingsCheck(scope: IConstruct, container: ContainerSettings): Findings {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (container.linuxParameters) {
    const settings = linuxSettingsOf(scope, container.linuxParameters);
    if (settings) {
      const found = linuxSettingsFindings(settings, container.platform, mebibytes(container.memory));
      errors.push(...found.errors.map((e) => `${container.subject} ${e} (linuxParameters)`));
      warnings.push(...found.warnings.map((w) => `${container.subject} ${w} (linuxParameters)`));
    } else {
      warnings.push(`${container.subject}: skipped checks of linuxParameters: not known at synth time (a token)`);
    }
  }
  const ulimits = container.ulimits ?? [];
  if (ulimits.some((u) => Token.isUnresolved(u.softLimit) || Token.isUnresolved(u.hardLimit))) {
    warnings.push(`${container.subject}: skipped checks of ulimits: not known at synth time (a token)`);
  } else {
    errors.push(...ulimitProblems(ulimits.map((u) => ({ name: u.name, softLimit: u.softLimit, hardLimit: u.hardLimit })))
      .map((p) => `${container.subject} ${p} (ulimits)`));
  }
  return { errors, warnings };
}

/** The EFA devices a container exposes (host paths under `/dev/infiniband/`); empty when its Linux parameters are tokens. */
export function efaDevicesOf(scope: IConstruct, parameters: batch.LinuxParameters | undefined): string[] {
  const settings = parameters && linuxSettingsOf(scope, parameters);
  return settings ? efaDevicePaths(settings.devicePaths) : [];
}

/** What a Fargate container job asks of Fargate, for the Windows and platform version rules. */
export interface FargateRequest {
  /** `job definition '<id>'`. */
  readonly subject: string;
  /** Operating system of the task. */
  readonly os: FargateOperatingSystem;
  /** The settings it sets that Windows containers refuse to have (API names). */
  readonly windowsRefusedSettings: readonly string[];
  /** Whether it asks for ARM64. */
  readonly arm64: boolean;
  /** vCPUs. */
  readonly vcpus: number;
  /** Memory. */
  readonly memory: Size;
  /** Platform version asked for (`LATEST` when none). */
  readonly platformVersion: string;
  /** Ephemeral storage asked for. */
  readonly ephemeralStorage?: Size;
  /** Queues it is bound to. */
  readonly queues?: readonly batch.IJobQueue[];
}

/**
 * Fargate rules a job's placement check cannot see: Windows sizes (1 vCPU and up; the pair
 * itself is judged by the placement check, which reports it first), what Windows refuses,
 * X86_64 only, never on Fargate Spot alone, and the platform version.
 */
export function fargateRequestCheck(request: FargateRequest): Findings {
  const errors: string[] = [];
  const { subject } = request;
  const vcpus = Token.isUnresolved(request.vcpus) ? undefined : request.vcpus;
  const memoryMiB = mebibytes(request.memory);
  const windows = request.os === 'WINDOWS';
  if (windows) {
    if (vcpus !== undefined && memoryMiB !== undefined && !fargatePairProblem(vcpus, memoryMiB)) {
      const problem = fargatePairProblem(vcpus, memoryMiB, 'WINDOWS');
      if (problem) errors.push(`${subject} asks for ${problem} (vcpus)`);
    }
    const refused = windowsSettingsProblem(request.windowsRefusedSettings);
    if (refused) errors.push(`${subject} ${refused}`);
    if (request.arm64) errors.push(`${subject} runs Windows on ARM64 but Windows containers on Fargate run on X86_64 only (architecture)`);
    errors.push(...windowsOnSpotOnlyQueues(subject, request.queues ?? []));
  }
  const storageGiB = request.ephemeralStorage?.toGibibytes({ rounding: SizeRoundingBehavior.NONE });
  const versionProblem = fargatePlatformVersionProblem({
    platformVersion: request.platformVersion,
    os: request.os,
    vcpus,
    ephemeralStorageGiB: storageGiB === undefined || Token.isUnresolved(storageGiB) ? undefined : storageGiB,
  });
  if (versionProblem) errors.push(`${subject} ${versionProblem} (fargatePlatformVersion)`);
  return { errors, warnings: [] };
}

// Fargate Spot runs no Windows containers: a queue of only Fargate Spot compute never starts one.
function windowsOnSpotOnlyQueues(subject: string, queues: readonly batch.IJobQueue[]): string[] {
  return queues.flatMap((queue) => {
    const described = describeQueue(queue).value;
    const kinds = described?.computeEnvironments.map((ce) => ce.kind) ?? [];
    if (kinds.length === 0 || !kinds.every((kind) => kind === 'FARGATE_SPOT')) return [];
    return [`${subject} runs Windows but queue '${queue.node.id}' has only FARGATE_SPOT compute environments, which run no Windows containers`];
  });
}

/**
 * The scheduling priority's range, and a warning when every queue the job definition is bound to
 * is known to have no fair-share scheduling policy: Batch then ignores the priority.
 */
export function schedulingPriorityCheck(id: string, priority: number, queues: readonly batch.IJobQueue[] | undefined): Findings {
  if (Token.isUnresolved(priority)) return NO_FINDINGS;
  const subject = `job definition '${id}'`;
  const problem = schedulingPriorityProblem(priority);
  if (problem) return { errors: [`${subject} ${problem} (schedulingPriority)`], warnings: [] };
  const known = (queues ?? []).filter((q): q is batch.JobQueue => q instanceof batch.JobQueue);
  if (known.length === 0 || known.length < (queues ?? []).length || known.some((q) => q.schedulingPolicy !== undefined)) return NO_FINDINGS;
  const names = known.map((q) => `'${q.node.id}'`).join(', ');
  return {
    errors: [],
    warnings: [`${subject} sets schedulingPriority ${priority} but its queues (${names}) have no fair-share scheduling policy, so Batch ignores it: give a queue a schedulingPolicy or drop the priority`],
  };
}

/** EFA devices need an instance type with EFA: an error when it has none, a warning when batchkit cannot tell. */
export function efaPlacementCheck(subject: string, efaDevices: readonly string[], instanceType: string): Findings {
  if (Token.isUnresolved(instanceType)) return NO_FINDINGS;
  const found = efaInstanceFindings(efaDevices, instanceType);
  return { errors: found.errors.map((e) => `${subject} ${e} (linuxParameters)`), warnings: found.warnings.map((w) => `${subject} ${w}`) };
}

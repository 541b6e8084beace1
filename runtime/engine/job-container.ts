/**
 * The container a job attempt runs: the job definition's container (or the node range's, for a
 * multi-node node) with the submit's overrides, `Ref::` parameters substituted, the resources it
 * asks for, and the `AWS_BATCH_*` environment Batch sets.
 */
import type * as batch from '@aws-sdk/client-batch';
import type { JobRecord, JobSpec } from './job-record';

/** What a job needs from a compute environment. */
export interface ResourceNeeds {
  /** Thousandths of a vCPU (Fargate asks for 0.25 vCPU). */
  readonly milliVcpus: number;
  /** Memory in MiB. */
  readonly memoryMiB: number;
  /** Whole GPUs. */
  readonly gpus: number;
}

/** Resources a job asks for when neither the job definition nor the overrides say (AWS requires both; the engine is lenient). */
export const DEFAULT_NEEDS: ResourceNeeds = { milliVcpus: 1000, memoryMiB: 128, gpus: 0 };

/** Effective containers of container jobs and arrays, computed once per submit (10,000 children share one). */
const containerBySpec = new WeakMap<JobSpec, batch.ContainerProperties>();

/** The container properties in effect for a job, a child or a node (treat as read-only: it may be shared). */
export function effectiveContainer(job: JobRecord): batch.ContainerProperties {
  const { spec } = job;
  if (job.kind !== 'node' && job.kind !== 'multinode') {
    let container = containerBySpec.get(spec);
    if (!container) {
      container = applyOverrides({ ...(spec.jobDefinition.containerProperties ?? {}) }, spec.request.containerOverrides);
      containerBySpec.set(spec, container);
    }
    return container;
  }
  const nodeIndex = job.kind === 'node' ? job.index! : spec.jobDefinition.nodeProperties!.mainNode!;
  const range = spec.jobDefinition.nodeProperties!.nodeRangeProperties!
    .filter((candidate) => nodeRangeIncludes(candidate.targetNodes!, nodeIndex, spec.numNodes!))
    .pop();
  let container: batch.ContainerProperties = { ...(range?.container ?? {}) };
  for (const override of spec.request.nodeOverrides?.nodePropertyOverrides ?? []) {
    if (nodeRangeIncludes(override.targetNodes!, nodeIndex, spec.numNodes!)) {
      container = applyOverrides(container, override.containerOverrides);
    }
  }
  return container;
}

/** Whether `index` falls in a node range like `0:3`, `:3`, `3:` or `2` (inclusive bounds, as AWS). */
export function nodeRangeIncludes(targetNodes: string, index: number, numNodes: number): boolean {
  const [startText, endText] = targetNodes.includes(':') ? targetNodes.split(':') : [targetNodes, targetNodes];
  const start = startText === '' ? 0 : Number(startText);
  const end = endText === '' ? numNodes - 1 : Number(endText);
  return index >= start && index <= end;
}

function applyOverrides(container: batch.ContainerProperties, overrides: batch.ContainerOverrides | undefined): batch.ContainerProperties {
  if (!overrides) {
    return container;
  }
  const environment = new Map((container.environment ?? []).map((pair) => [pair.name!, pair.value ?? '']));
  for (const pair of overrides.environment ?? []) {
    environment.set(pair.name!, pair.value ?? '');
  }
  const requirements = new Map((container.resourceRequirements ?? []).map((requirement) => [requirement.type!, requirement]));
  for (const requirement of overrides.resourceRequirements ?? []) {
    requirements.set(requirement.type!, requirement);
  }
  return {
    ...container,
    command: overrides.command ?? container.command,
    vcpus: overrides.vcpus ?? container.vcpus,
    memory: overrides.memory ?? container.memory,
    instanceType: overrides.instanceType ?? container.instanceType,
    environment: [...environment].map(([name, value]) => ({ name, value })),
    resourceRequirements: requirements.size ? [...requirements.values()] : undefined,
  };
}

/** The vCPU, memory and GPU a container asks for (resourceRequirements first, then the legacy fields). */
export function containerNeeds(container: batch.ContainerProperties): ResourceNeeds {
  const requirement = (type: string) => container.resourceRequirements?.find((candidate) => candidate.type === type)?.value;
  const vcpus = Number(requirement('VCPU') ?? container.vcpus ?? DEFAULT_NEEDS.milliVcpus / 1000);
  return {
    milliVcpus: Math.round(vcpus * 1000),
    memoryMiB: Number(requirement('MEMORY') ?? container.memory ?? DEFAULT_NEEDS.memoryMiB),
    gpus: Number(requirement('GPU') ?? 0),
  };
}

/** What a unit needs to be placed: a multi-node job needs all its nodes at once. */
export function placementNeeds(job: JobRecord): ResourceNeeds {
  if (job.kind !== 'multinode') {
    return containerNeeds(effectiveContainer(job));
  }
  let milliVcpus = 0;
  let memoryMiB = 0;
  let gpus = 0;
  for (const node of job.members!) {
    const needs = containerNeeds(effectiveContainer(node));
    milliVcpus += needs.milliVcpus;
    memoryMiB += needs.memoryMiB;
    gpus += needs.gpus;
  }
  return { milliVcpus, memoryMiB, gpus };
}

/**
 * The argv to run: `Ref::name` tokens replaced by the job's parameters, as Batch does (a token
 * naming no parameter stays as written, like AWS).
 */
export function resolveCommand(container: batch.ContainerProperties, parameters: Record<string, string>): string[] {
  return (container.command ?? []).map((argument) => argument.replace(/Ref::([A-Za-z0-9_-]+)/g, (token, name: string) =>
    Object.prototype.hasOwnProperty.call(parameters, name) ? parameters[name] : token));
}

/** Where the job runs, for the `AWS_BATCH_*` variables. */
export interface RunPlacement {
  /** Name of the compute environment the attempt runs on. */
  readonly computeEnvironment: string;
  /** Name of the job's queue. */
  readonly jobQueue: string;
  /** Attempt number, from 1. */
  readonly attempt: number;
}

/** Host variables a job sees besides its own: enough to find and run commands, as a container image's defaults would. */
const INHERITED_HOST_VARIABLES = ['PATH', 'HOME', 'LANG', 'TMPDIR'];

/** The process environment: a few host variables, the container's environment, then every `AWS_BATCH_*` variable. */
export function jobEnvironment(job: JobRecord, container: batch.ContainerProperties, placement: RunPlacement): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of INHERITED_HOST_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) {
      environment[name] = value;
    }
  }
  for (const pair of container.environment ?? []) {
    environment[pair.name!] = pair.value ?? '';
  }
  environment.AWS_BATCH_CE_NAME = placement.computeEnvironment;
  environment.AWS_BATCH_JQ_NAME = placement.jobQueue;
  environment.AWS_BATCH_JOB_ID = job.jobId;
  environment.AWS_BATCH_JOB_ATTEMPT = String(placement.attempt);
  if (job.kind === 'child') {
    environment.AWS_BATCH_JOB_ARRAY_INDEX = String(job.index);
    environment.AWS_BATCH_JOB_ARRAY_SIZE = String(job.spec.request.arrayProperties!.size);
  }
  if (job.kind === 'node') {
    const mainNode = job.spec.jobDefinition.nodeProperties!.mainNode!;
    environment.AWS_BATCH_JOB_NODE_INDEX = String(job.index);
    environment.AWS_BATCH_JOB_NUM_NODES = String(job.spec.numNodes);
    environment.AWS_BATCH_JOB_MAIN_NODE_INDEX = String(mainNode);
    if (job.index !== mainNode) {
      environment.AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS = '127.0.0.1';
    }
  }
  return environment;
}

/**
 * The container a job attempt runs: the job definition's container (or the node range's, for a
 * multi-node node) with the submit's overrides, `Ref::` parameters substituted, the resources it
 * asks for, and the `AWS_BATCH_*` environment Batch sets; and the checks that what a job
 * definition or a submit puts into a process (argv, environment) reaches it as written.
 */
import type * as batch from '@aws-sdk/client-batch';
import { codePoint, environmentNameProblem, firstControlCharacter } from '../model/environment-rules';
import { ecsTaskContainer } from './ecs-task';
import { invalid, shown } from './errors';
import type { ConsumableNeeds } from './consumable-resources';
import type { JobRecord, JobSpec } from './job-record';

/** What a job needs from a compute environment. */
export interface ResourceNeeds {
  /** Thousandths of a vCPU (Fargate asks for 0.25 vCPU). */
  readonly milliVcpus: number;
  /** Memory in MiB. */
  readonly memoryMiB: number;
  /** Whole GPUs. */
  readonly gpus: number;
  /** Units of consumable resources, by resource name. */
  readonly consumables?: ConsumableNeeds;
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
      const definition = spec.jobDefinition;
      container = definition.ecsProperties
        ? ecsTaskContainer(definition.ecsProperties, spec.request.ecsPropertiesOverride)
        : applyOverrides({ ...(definition.containerProperties ?? {}) }, spec.request.containerOverrides);
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

/** The container a container job of this definition runs, before overrides: `containerProperties`, or an ECS task's essential container; `undefined` for other kinds. */
export function definitionContainer(definition: batch.JobDefinition): batch.ContainerProperties | undefined {
  if (definition.ecsProperties) return ecsTaskContainer(definition.ecsProperties, undefined);
  return definition.containerProperties;
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

/**
 * The process environment: a few host variables (for a host process only: a container gets its
 * image's), the container's environment, then every `AWS_BATCH_*` variable.
 */
export function jobEnvironment(job: JobRecord, container: batch.ContainerProperties, placement: RunPlacement, inheritHostVariables = true): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of inheritHostVariables ? INHERITED_HOST_VARIABLES : []) {
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

/** The image, command and environment of a container, as a job definition or an override gives them. */
export interface ContainerProcessInput {
  /** Image reference: a container launcher passes it as an argument. */
  readonly image?: unknown;
  /** argv. */
  readonly command?: unknown;
  /** `{name, value}` pairs. */
  readonly environment?: unknown;
}

/**
 * Checks what a container puts into its process: the command is a list of strings, environment
 * entries are `{name, value}` strings, and nothing would be cut or read differently by the job.
 * Process arguments and environment entries are C strings: a NUL ends them early, so
 * `"X\u0000AWS_BATCH_JOB_ID"` would reach the job as a variable Batch sets (crash recovery
 * trusts `AWS_BATCH_JOB_ID`). Names are checked as the job will see them, so the reserved
 * `AWS_BATCH` prefix cannot be smuggled past; newlines and tabs in values and arguments are legal.
 * An image reference holds no control character at all (AWS's image pattern allows none).
 * @param field the request path of the container, e.g. `containerOverrides`
 */
export function checkContainerProcess(container: ContainerProcessInput, field: string): void {
  const imageControl = typeof container.image === 'string' ? firstControlCharacter(container.image) : undefined;
  if (imageControl !== undefined) {
    invalid(`${field}.image ${shown(container.image)} contains the control character ${codePoint(imageControl)}: expected an image reference of letters, digits and - _ : . / @ #`);
  }
  if (container.command !== undefined) {
    if (!Array.isArray(container.command) || container.command.some((argument) => typeof argument !== 'string')) {
      invalid(`${field}.command must be a list of strings: given ${shown(container.command)}`);
    }
    (container.command as string[]).forEach((argument, index) => checkNoNul(argument, `${field}.command[${index}]`, 'a process argument'));
  }
  if (container.environment === undefined) {
    return;
  }
  if (!Array.isArray(container.environment)) {
    invalid(`${field}.environment must be a list of {name, value}: given ${shown(container.environment)}`);
  }
  (container.environment as unknown[]).forEach((entry, index) => {
    const pair = (typeof entry === 'object' && entry !== null ? entry : {}) as { name?: unknown; value?: unknown };
    const at = `${field}.environment[${index}]`;
    if (typeof pair.name !== 'string' || pair.name.length === 0) {
      invalid(`${at} ${shown(entry)} has no name: expected {name, value} with a non-empty name`);
    }
    checkEnvironmentName(pair.name, `${at}.name`);
    if (pair.value !== undefined && typeof pair.value !== 'string') {
      invalid(`${at}.value must be a string: given ${shown(pair.value)}`);
    }
    if (pair.value !== undefined) {
      checkNoNul(pair.value, `${at}.value`, 'an environment value');
    }
  });
}

/** Checks `parameters`: a map of strings, none holding a NUL (`Ref::` puts them into process arguments). */
export function checkParameters(parameters: unknown, field: string): void {
  if (parameters === undefined) {
    return;
  }
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    invalid(`${field} must be a map of parameter names to strings: given ${shown(parameters)}`);
  }
  for (const [name, value] of Object.entries(parameters)) {
    const at = /^[A-Za-z0-9_-]+$/.test(name) ? `${field}.${name}` : `${field}[${shown(name)}]`;
    if (typeof value !== 'string') {
      invalid(`${at} must be a string: given ${shown(value)}`);
    }
    checkNoNul(value, at, 'a process argument through Ref::');
  }
}

/**
 * A variable name the job sees exactly as written: no control character (a NUL cuts the entry
 * short; a newline makes `env` output show a line of the job's choosing), no `=` (the process
 * environment splits name from value at the first one), and not Batch's reserved prefix.
 */
function checkEnvironmentName(name: string, field: string): void {
  const problem = environmentNameProblem(name);
  if (problem !== undefined) invalid(`${field} ${shown(name)} ${problem}`);
}

function checkNoNul(value: string, field: string, what: string): void {
  if (value.includes('\u0000')) {
    invalid(`${field} ${shown(value)} contains a NUL character (U+0000): expected a string without NUL, since ${what} ends at the first NUL`);
  }
}

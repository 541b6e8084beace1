import { Stack, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { IConstruct } from 'constructs';
import type { CpuArchitecture } from '../../runtime/model/instance-catalog';
import type { ComputeDescription, ComputeKind, JobDescription, JobPlatform } from '../../runtime/model/placement';
import type { EvaluateOnExitRule } from '../../runtime/model/retry-rules';

/*
 * Turns synthesized L1 resources into the plain descriptions the rules in runtime/model judge.
 * Reading the L1 (resolved in its own stack) rather than L2 fields is what lets the same checks
 * run on batchkit constructs and on plain aws-cdk-lib/aws-batch apps. A value that is still a
 * token after resolution is reported in `unresolved`, never guessed.
 */

/** A description, or the names of the props that could not be resolved to check it. */
export interface Described<T> {
  /** The description; `undefined` when something it needs is unresolved. */
  readonly value?: T;
  /** Props whose values are tokens (`instanceTypes`, `VCPU`, ...). */
  readonly unresolved: string[];
}

// Ids that say where a resource sits in its construct rather than what it is.
const STRUCTURAL_IDS = new Set(['Resource', 'Default']);

/**
 * The name messages use for a resource: the id of the construct the user declared (an L2, or a
 * batchkit construct composing one), or of the L1 when used bare.
 */
export function displayName(cfn: IConstruct): string {
  let named: IConstruct = cfn;
  while (STRUCTURAL_IDS.has(named.node.id) && named.node.scope) named = named.node.scope;
  return named.node.id;
}

/** A compute environment construct that knows the instance types attached to it (unmanaged compute). */
interface AttachedInstanceTypes {
  readonly attachedInstanceTypes: readonly string[];
}

// Unmanaged compute keeps the types of the instances it launched on itself: CloudFormation
// has no field for them.
function attachedInstanceTypesOf(cfn: batch.CfnComputeEnvironment): string[] {
  const owner = cfn.node.scope as Partial<AttachedInstanceTypes> | undefined;
  return owner && Array.isArray(owner.attachedInstanceTypes) ? [...owner.attachedInstanceTypes] : [];
}

// Anything still an object after resolution is an intrinsic: a value only known at deploy time.
function isResolved(value: unknown): boolean {
  return value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

// The L2 renders numbers with `toString()`, which turns a number token into a string of its
// encoded double: parse it back and recognise the token rather than read a huge negative number.
function asNumber(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' && !Token.isUnresolved(value) ? Number(value) : NaN;
  return Number.isFinite(n) && !Token.isUnresolved(n) ? n : undefined;
}

/** The L1 resource behind an L2 compute environment; `undefined` for imported ones. */
export function cfnComputeOf(ce: IConstruct): batch.CfnComputeEnvironment | undefined {
  const child = ce.node.defaultChild;
  return child instanceof batch.CfnComputeEnvironment ? child : undefined;
}

/** Describes a compute environment for the placement and queue rules. */
export function describeCompute(cfn: batch.CfnComputeEnvironment): Described<ComputeDescription> {
  const stack = Stack.of(cfn);
  const type = stack.resolve(cfn.type);
  const resources = stack.resolve(cfn.computeResources) as Record<string, unknown> | undefined;
  const unresolved: string[] = [];
  if (typeof type !== 'string') return { unresolved: ['type'] };
  const kind: ComputeKind | undefined = type.toUpperCase() === 'UNMANAGED' ? 'UNMANAGED' : (resources?.type as ComputeKind | undefined);
  if (!isResolved(resources?.type)) unresolved.push('computeResources.type');
  const rawTypes = resources?.instanceTypes;
  if (rawTypes !== undefined && (!Array.isArray(rawTypes) || !rawTypes.every((t) => typeof t === 'string'))) unresolved.push('instanceTypes');
  const maxvCpus = asNumber(resources?.maxvCpus);
  if (resources?.maxvCpus !== undefined && maxvCpus === undefined) unresolved.push('maxvCpus');
  if (unresolved.length > 0 || !kind) return { unresolved };
  const instanceTypes = kind === 'UNMANAGED' ? attachedInstanceTypesOf(cfn) : (rawTypes as string[] | undefined) ?? [];
  return { value: { name: displayName(cfn), kind, instanceTypes, maxvCpus }, unresolved };
}

/** What the job-definition rules need from one job definition. */
export interface JobDefinitionFacts {
  /** `job definition '<name>'`. */
  readonly subject: string;
  /** Every container to place: one for a container job, one per node group for a multi-node job. */
  readonly jobs: JobDescription[];
  /** Multi-node layout, when the job is multi-node. */
  readonly nodes?: { numNodes: number; mainNode: number; targetNodes: string[] };
  /** Retry attempts, when set. */
  readonly retryAttempts?: number;
  /** `evaluateOnExit` rules. */
  readonly evaluateOnExit: EvaluateOnExitRule[];
  /** Attempt timeout in seconds, when set. */
  readonly timeoutSeconds?: number;
  /** Names of every environment variable of every container. */
  readonly environmentNames: string[];
}

interface ContainerProps {
  readonly resourceRequirements?: Array<{ type?: unknown; value?: unknown }>;
  readonly vcpus?: unknown;
  readonly memory?: unknown;
  readonly environment?: Array<{ name?: unknown }>;
  readonly runtimePlatform?: { cpuArchitecture?: unknown };
  readonly instanceType?: unknown;
}

function describeContainer(
  container: ContainerProps, subject: string, label: string, platform: JobPlatform, architecture: CpuArchitecture | undefined, instanceType: string | undefined, unresolved: string[],
): JobDescription | undefined {
  const requirement = (kind: string, legacy: unknown): number | undefined => {
    const entry = (container.resourceRequirements ?? []).find((r) => r.type === kind);
    const raw = entry ? entry.value : legacy;
    if (raw === undefined) return undefined;
    const value = asNumber(raw);
    if (value === undefined) unresolved.push(`${label}${kind}`);
    return value;
  };
  const before = unresolved.length;
  const vcpus = requirement('VCPU', container.vcpus);
  const memoryMiB = requirement('MEMORY', container.memory);
  const gpus = requirement('GPU', undefined) ?? 0;
  if (unresolved.length > before || vcpus === undefined || memoryMiB === undefined) return undefined;
  const fargateArchitecture = container.runtimePlatform?.cpuArchitecture;
  const resolvedArchitecture = platform === 'FARGATE' && typeof fargateArchitecture === 'string'
    ? (fargateArchitecture.toLowerCase() as CpuArchitecture) : architecture;
  return { subject, platform, vcpus, memoryMiB, gpus, architecture: platform === 'FARGATE' ? undefined : resolvedArchitecture, instanceType };
}

/**
 * Describes a job definition for the placement, multi-node and job-definition rules.
 * `architecture` is what the image needs, when the construct declaring it knows.
 */
export function describeJobDefinition(cfn: batch.CfnJobDefinition, architecture?: CpuArchitecture): Described<JobDefinitionFacts> {
  const stack = Stack.of(cfn);
  const subject = `job definition '${displayName(cfn)}'`;
  const unresolved: string[] = [];
  const capabilities = stack.resolve(cfn.platformCapabilities) as unknown[] | undefined;
  const platform: JobPlatform = Array.isArray(capabilities) && capabilities.includes('FARGATE') ? 'FARGATE' : 'EC2';
  const jobs: JobDescription[] = [];
  const environmentNames: string[] = [];
  const collectEnvironment = (container: ContainerProps) => {
    for (const variable of container.environment ?? []) {
      if (typeof variable.name === 'string') environmentNames.push(variable.name);
      else if (variable.name !== undefined) unresolved.push('environment');
    }
  };
  let nodes: JobDefinitionFacts['nodes'];
  const nodeProperties = stack.resolve(cfn.nodeProperties) as Record<string, unknown> | undefined;
  if (nodeProperties) {
    const numNodes = asNumber(nodeProperties.numNodes);
    const mainNode = asNumber(nodeProperties.mainNode ?? 0);
    const ranges = (nodeProperties.nodeRangeProperties ?? []) as Array<{ targetNodes?: unknown; container?: ContainerProps; instanceTypes?: unknown }>;
    if (numNodes === undefined) unresolved.push('numNodes');
    if (mainNode === undefined) unresolved.push('mainNode');
    if (ranges.some((r) => typeof r.targetNodes !== 'string')) unresolved.push('targetNodes');
    if (numNodes !== undefined && mainNode !== undefined && unresolved.length === 0) {
      nodes = { numNodes, mainNode, targetNodes: ranges.map((r) => r.targetNodes as string) };
    }
    for (const range of ranges) {
      if (!range.container) continue;
      const types = Array.isArray(range.instanceTypes) ? range.instanceTypes : [];
      const instanceType = typeof range.container.instanceType === 'string' ? range.container.instanceType : types.find((t): t is string => typeof t === 'string');
      const groupSubject = `node group '${String(range.targetNodes)}' of ${subject}`;
      const job = describeContainer(range.container, groupSubject, `node group '${String(range.targetNodes)}' `, 'EC2', architecture, instanceType, unresolved);
      if (job) jobs.push(job);
      collectEnvironment(range.container);
    }
  }
  const container = stack.resolve(cfn.containerProperties) as ContainerProps | undefined;
  if (container) {
    const job = describeContainer(container, subject, '', platform, architecture, undefined, unresolved);
    if (job) jobs.push(job);
    collectEnvironment(container);
  }
  const retry = stack.resolve(cfn.retryStrategy) as { attempts?: unknown; evaluateOnExit?: unknown[] } | undefined;
  const retryAttempts = asNumber(retry?.attempts);
  if (retry?.attempts !== undefined && retryAttempts === undefined) unresolved.push('retryAttempts');
  const evaluateOnExit = (retry?.evaluateOnExit ?? []) as EvaluateOnExitRule[];
  if (evaluateOnExit.some((rule) => !Object.values(rule).every(isResolved))) unresolved.push('evaluateOnExit');
  const timeout = stack.resolve(cfn.timeout) as { attemptDurationSeconds?: unknown } | undefined;
  const timeoutSeconds = asNumber(timeout?.attemptDurationSeconds);
  if (timeout?.attemptDurationSeconds !== undefined && timeoutSeconds === undefined) unresolved.push('timeout');
  return {
    value: { subject, jobs, nodes, retryAttempts, evaluateOnExit: evaluateOnExit.filter((rule) => Object.values(rule).every(isResolved)), timeoutSeconds, environmentNames },
    unresolved,
  };
}

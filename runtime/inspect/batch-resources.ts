/**
 * The AWS Batch resources a synthesized template declares, in the plain terms people review:
 * compute environments, queues with their priority and compute order, and job definitions
 * with what they ask for. References between them are kept as logical ids.
 */
import type { TemplateResource, CfnTemplate } from './cloud-assembly';

/** A compute environment as declared. */
export interface DeclaredComputeEnvironment {
  readonly logicalId: string;
  readonly name: string;
  readonly constructPath?: string;
  /** EC2, SPOT, FARGATE, FARGATE_SPOT, or UNMANAGED. */
  readonly kind: string;
  readonly instanceTypes: string[];
  readonly minvCpus?: number;
  readonly maxvCpus?: number;
}

/** A job queue as declared; `computeEnvironments` are logical ids in order. */
export interface DeclaredJobQueue {
  readonly logicalId: string;
  readonly name: string;
  readonly constructPath?: string;
  readonly priority?: number;
  readonly computeEnvironments: string[];
}

/** What one container (or one node group) asks for. */
export interface DeclaredContainer {
  /** Node range for multi-node groups, e.g. `0:1`; undefined for container jobs. */
  readonly targetNodes?: string;
  readonly image?: string;
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  readonly gpus?: number;
  readonly instanceType?: string;
}

/** A job definition as declared. */
export interface DeclaredJobDefinition {
  readonly logicalId: string;
  readonly name: string;
  readonly constructPath?: string;
  /** `container` or `multinode`. */
  readonly type: string;
  readonly platform: string;
  readonly numNodes?: number;
  readonly containers: DeclaredContainer[];
  readonly retryAttempts?: number;
  readonly timeoutSeconds?: number;
}

/** Everything Batch in one template. */
export interface DeclaredBatchResources {
  readonly computeEnvironments: DeclaredComputeEnvironment[];
  readonly jobQueues: DeclaredJobQueue[];
  readonly jobDefinitions: DeclaredJobDefinition[];
}

/** Extracts the Batch resources of a template. */
export function declaredBatchResources(template: CfnTemplate): DeclaredBatchResources {
  const resources = Object.entries(template.Resources ?? {});
  return {
    computeEnvironments: resources
      .filter(([, r]) => r.Type === 'AWS::Batch::ComputeEnvironment')
      .map(([id, r]) => computeEnvironmentOf(id, r)),
    jobQueues: resources
      .filter(([, r]) => r.Type === 'AWS::Batch::JobQueue')
      .map(([id, r]) => jobQueueOf(id, r)),
    jobDefinitions: resources
      .filter(([, r]) => r.Type === 'AWS::Batch::JobDefinition')
      .map(([id, r]) => jobDefinitionOf(id, r)),
  };
}

function computeEnvironmentOf(logicalId: string, resource: TemplateResource): DeclaredComputeEnvironment {
  const props = resource.Properties ?? {};
  const compute = (props.ComputeResources ?? {}) as Record<string, unknown>;
  const unmanaged = String(props.Type ?? '').toUpperCase() === 'UNMANAGED';
  return {
    logicalId,
    name: literal(props.ComputeEnvironmentName) ?? logicalId,
    constructPath: pathOf(resource),
    kind: unmanaged ? 'UNMANAGED' : String(literal(compute.Type) ?? 'EC2'),
    instanceTypes: Array.isArray(compute.InstanceTypes) ? compute.InstanceTypes.map((t) => String(literal(t) ?? '?')) : [],
    minvCpus: numberOf(compute.MinvCpus),
    maxvCpus: numberOf(compute.MaxvCpus) ?? numberOf(props.UnmanagedvCpus),
  };
}

function jobQueueOf(logicalId: string, resource: TemplateResource): DeclaredJobQueue {
  const props = resource.Properties ?? {};
  const order = Array.isArray(props.ComputeEnvironmentOrder) ? props.ComputeEnvironmentOrder as Array<Record<string, unknown>> : [];
  return {
    logicalId,
    name: literal(props.JobQueueName) ?? logicalId,
    constructPath: pathOf(resource),
    priority: numberOf(props.Priority),
    computeEnvironments: [...order]
      .sort((a, b) => (numberOf(a.Order) ?? 0) - (numberOf(b.Order) ?? 0))
      .map((entry) => referencedLogicalId(entry.ComputeEnvironment) ?? String(literal(entry.ComputeEnvironment) ?? '?')),
  };
}

function jobDefinitionOf(logicalId: string, resource: TemplateResource): DeclaredJobDefinition {
  const props = resource.Properties ?? {};
  const platforms = Array.isArray(props.PlatformCapabilities) ? props.PlatformCapabilities.map(String) : ['EC2'];
  const nodeProps = props.NodeProperties as Record<string, unknown> | undefined;
  const containers: DeclaredContainer[] = nodeProps
    ? ((nodeProps.NodeRangeProperties ?? []) as Array<Record<string, unknown>>).map((range) => ({
      targetNodes: literal(range.TargetNodes),
      ...containerOf((range.Container ?? {}) as Record<string, unknown>),
    }))
    : [containerOf((props.ContainerProperties ?? {}) as Record<string, unknown>)];
  const retry = (props.RetryStrategy ?? {}) as Record<string, unknown>;
  const timeout = (props.Timeout ?? {}) as Record<string, unknown>;
  return {
    logicalId,
    name: literal(props.JobDefinitionName) ?? logicalId,
    constructPath: pathOf(resource),
    type: String(literal(props.Type) ?? 'container'),
    platform: platforms.join('+'),
    numNodes: numberOf(nodeProps?.NumNodes),
    containers,
    retryAttempts: numberOf(retry.Attempts),
    timeoutSeconds: numberOf(timeout.AttemptDurationSeconds),
  };
}

function containerOf(container: Record<string, unknown>): DeclaredContainer {
  const requirements = Array.isArray(container.ResourceRequirements)
    ? container.ResourceRequirements as Array<Record<string, unknown>>
    : [];
  const requirement = (type: string) => numberOf(requirements.find((r) => r.Type === type)?.Value);
  return {
    image: literal(container.Image),
    vcpus: requirement('VCPU') ?? numberOf(container.Vcpus),
    memoryMiB: requirement('MEMORY') ?? numberOf(container.Memory),
    gpus: requirement('GPU'),
    instanceType: literal(container.InstanceType),
  };
}

function pathOf(resource: TemplateResource): string | undefined {
  const p = resource.Metadata?.['aws:cdk:path'];
  return typeof p === 'string' ? p : undefined;
}

function literal(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

function referencedLogicalId(value: unknown): string | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return v.Ref;
  const getAtt = v['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

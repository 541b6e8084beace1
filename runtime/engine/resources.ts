/**
 * Compute environments, job queues and job definitions of the local engine: their validation,
 * lookup by name or ARN, and their API shapes. The scheduler reads them; the store persists them.
 */
import type * as batch from '@aws-sdk/client-batch';
import { ArnScope, computeEnvironmentArn, jobDefinitionArn, jobQueueArn, nameFromReference, parseScopedArn } from '../model/arns';
import { SCHEDULING_PRIORITY_RANGE } from '../model/container-settings-rules';
import { isFargateKind, mixesFargateAndEc2, QUEUE_COMPUTE_ENVIRONMENTS_RANGE, QUEUE_PRIORITY_RANGE } from '../model/queue-rules';
import { ATTEMPT_TIMEOUT_SECONDS_RANGE } from '../model/retry-rules';
import { checkInteger, checkName, checkOneOf, checkTags, invalid, requireInteger, requireOneOf, requireString, shown } from './errors';
import { checkEcsProperties, checkEksProperties, checkOneJobShape } from './ecs-task';
import { checkContainerProcess, checkParameters } from './job-container';
import { checkInRange, checkNodeProperties, checkTimeLimitActions, definedOnly, paginate, requireInRange } from './request-checks';
import { checkRetryStrategy } from './retry-policy';
import { SchedulingPolicyRegistry } from './scheduling-policies';

/** The kinds of resources the registry keeps, as the store names them. */
export type ResourceKind = 'compute-environment' | 'job-queue' | 'job-definition' | 'scheduling-policy' | 'consumable-resource';

/** Called after every change so the store can persist it (`detail` undefined = deleted). */
export type ResourceChangeListener = (kind: ResourceKind, key: string, detail: object | undefined) => void;

const CE_TYPES = ['MANAGED', 'UNMANAGED'] as const;
const STATES = ['ENABLED', 'DISABLED'] as const;
const CR_TYPES = ['EC2', 'SPOT', 'FARGATE', 'FARGATE_SPOT'] as const;
const JD_TYPES = ['container', 'multinode'] as const;

/** Holds the engine's Batch resources. */
export class ResourceRegistry {
  /** Compute environments by name. */
  public readonly computeEnvironments = new Map<string, batch.ComputeEnvironmentDetail>();
  /** Job queues by name. */
  public readonly jobQueues = new Map<string, batch.JobQueueDetail>();
  /** Job definitions by ARN (`name:revision`). */
  public readonly jobDefinitions = new Map<string, batch.JobDefinition>();
  private readonly latestRevision = new Map<string, number>();
  /** Scheduling policies (fair share). */
  public readonly schedulingPolicies: SchedulingPolicyRegistry;

  /** @param scope the region and account of every ARN minted and accepted here */
  constructor(public readonly scope: ArnScope, private readonly onChange: ResourceChangeListener) {
    this.schedulingPolicies = new SchedulingPolicyRegistry(scope, (key, detail) => onChange('scheduling-policy', key, detail),
      (arn) => [...this.jobQueues.values()].find((queue) => queue.schedulingPolicyArn === arn)?.jobQueueName);
  }

  /** Puts back a resource read from the store (no validation, no change notification). */
  public restore(kind: ResourceKind, detail: object): void {
    if (kind === 'compute-environment') {
      const ce = detail as batch.ComputeEnvironmentDetail;
      this.computeEnvironments.set(ce.computeEnvironmentName!, ce);
    } else if (kind === 'job-queue') {
      const queue = detail as batch.JobQueueDetail;
      this.jobQueues.set(queue.jobQueueName!, queue);
    } else if (kind === 'scheduling-policy') {
      this.schedulingPolicies.restore(detail as batch.SchedulingPolicyDetail);
    } else {
      const definition = detail as batch.JobDefinition;
      this.jobDefinitions.set(definition.jobDefinitionArn!, definition);
      const latest = this.latestRevision.get(definition.jobDefinitionName!) ?? 0;
      this.latestRevision.set(definition.jobDefinitionName!, Math.max(latest, definition.revision!));
    }
  }

  /** CreateComputeEnvironment. */
  public createComputeEnvironment(input: batch.CreateComputeEnvironmentRequest): batch.CreateComputeEnvironmentResponse {
    const name = checkName(input.computeEnvironmentName, 'computeEnvironmentName');
    const type = requireOneOf(input.type, 'type', CE_TYPES);
    const state = checkOneOf(input.state, 'state', STATES) ?? 'ENABLED';
    if (this.computeEnvironments.has(name)) {
      invalid(`compute environment ${shown(name)} already exists`);
    }
    if (type === 'MANAGED') {
      const resources = input.computeResources ?? invalid(`computeResources is required for a MANAGED compute environment ${shown(name)}`);
      requireOneOf(resources.type, 'computeResources.type', CR_TYPES);
      requireInteger(resources.maxvCpus, 'computeResources.maxvCpus', 0, 1_000_000);
      checkInteger(resources.minvCpus, 'computeResources.minvCpus', 0, resources.maxvCpus!);
      if ((resources.type === 'EC2' || resources.type === 'SPOT') && (typeof resources.instanceRole !== 'string' || resources.instanceRole === '')) {
        invalid(`computeResources.instanceRole is required for ${resources.type} compute environment ${shown(name)}: expected the ECS instance profile's name or ARN (e.g. ecsInstanceRole); got ${shown(resources.instanceRole)}`);
      }
    } else if (input.computeResources !== undefined) {
      invalid(`computeResources must not be given for an UNMANAGED compute environment ${shown(name)}`);
    }
    checkInteger(input.unmanagedvCpus, 'unmanagedvCpus', 0, 1_000_000);
    const arn = computeEnvironmentArn(this.scope, name);
    const detail: batch.ComputeEnvironmentDetail = {
      computeEnvironmentName: name,
      computeEnvironmentArn: arn,
      ecsClusterArn: `arn:aws:ecs:${this.scope.region}:${this.scope.accountId}:cluster/${name}`,
      type,
      state,
      status: 'VALID',
      statusReason: 'ComputeEnvironment Healthy',
      computeResources: input.computeResources,
      unmanagedvCpus: input.unmanagedvCpus,
      serviceRole: input.serviceRole,
      tags: checkTags(input.tags, 'tags') ?? {},
      containerOrchestrationType: 'ECS',
    };
    this.computeEnvironments.set(name, detail);
    this.onChange('compute-environment', name, detail);
    return { computeEnvironmentName: name, computeEnvironmentArn: arn };
  }

  /** UpdateComputeEnvironment: state, unmanagedvCpus and the vCPU bounds are what the engine honours. */
  public updateComputeEnvironment(input: batch.UpdateComputeEnvironmentRequest): batch.UpdateComputeEnvironmentResponse {
    const ce = this.computeEnvironment(requireString(input.computeEnvironment, 'computeEnvironment'));
    const state = checkOneOf(input.state, 'state', STATES);
    checkInteger(input.unmanagedvCpus, 'unmanagedvCpus', 0, 1_000_000);
    if (input.computeResources && ce.type !== 'MANAGED') {
      invalid(`computeResources cannot be updated on UNMANAGED compute environment ${shown(ce.computeEnvironmentName)}`);
    }
    checkInteger(input.computeResources?.maxvCpus, 'computeResources.maxvCpus', 0, 1_000_000);
    const updated: batch.ComputeEnvironmentDetail = {
      ...ce,
      state: state ?? ce.state,
      unmanagedvCpus: input.unmanagedvCpus ?? ce.unmanagedvCpus,
      serviceRole: input.serviceRole ?? ce.serviceRole,
      computeResources: ce.computeResources && input.computeResources
        ? ({ ...ce.computeResources, ...definedOnly(input.computeResources) } as batch.ComputeResource)
        : ce.computeResources,
    };
    this.computeEnvironments.set(ce.computeEnvironmentName!, updated);
    this.onChange('compute-environment', ce.computeEnvironmentName!, updated);
    return { computeEnvironmentName: ce.computeEnvironmentName, computeEnvironmentArn: ce.computeEnvironmentArn };
  }

  /** DeleteComputeEnvironment: AWS requires it DISABLED and attached to no queue. */
  public deleteComputeEnvironment(input: batch.DeleteComputeEnvironmentRequest): void {
    const ce = this.computeEnvironment(requireString(input.computeEnvironment, 'computeEnvironment'));
    if (ce.state !== 'DISABLED') {
      invalid(`compute environment ${shown(ce.computeEnvironmentName)} is ENABLED: disable it before deleting it`);
    }
    const user = [...this.jobQueues.values()].find((queue) =>
      queue.computeEnvironmentOrder?.some((entry) => entry.computeEnvironment === ce.computeEnvironmentArn));
    if (user) {
      invalid(`compute environment ${shown(ce.computeEnvironmentName)} is still used by job queue ${shown(user.jobQueueName)}: remove it from the queue first`);
    }
    this.computeEnvironments.delete(ce.computeEnvironmentName!);
    this.onChange('compute-environment', ce.computeEnvironmentName!, undefined);
  }

  /** DescribeComputeEnvironments, with AWS's optional name/ARN list and pagination. */
  public describeComputeEnvironments(input: batch.DescribeComputeEnvironmentsRequest): batch.DescribeComputeEnvironmentsResponse {
    const selected = input.computeEnvironments?.length
      ? input.computeEnvironments.map((ref) => this.findComputeEnvironment(ref)).filter((ce): ce is batch.ComputeEnvironmentDetail => ce !== undefined)
      : [...this.computeEnvironments.values()];
    const page = paginate(selected, input.maxResults, input.nextToken);
    return { computeEnvironments: page.items, nextToken: page.nextToken };
  }

  /** CreateJobQueue. */
  public createJobQueue(input: batch.CreateJobQueueRequest): batch.CreateJobQueueResponse {
    const name = checkName(input.jobQueueName, 'jobQueueName');
    if (this.jobQueues.has(name)) {
      invalid(`job queue ${shown(name)} already exists`);
    }
    const priority = requireInRange(input.priority, 'priority', QUEUE_PRIORITY_RANGE);
    const arn = jobQueueArn(this.scope, name);
    const detail: batch.JobQueueDetail = {
      jobQueueName: name,
      jobQueueArn: arn,
      state: checkOneOf(input.state, 'state', STATES) ?? 'ENABLED',
      status: 'VALID',
      statusReason: 'JobQueue Healthy',
      priority,
      computeEnvironmentOrder: this.checkComputeEnvironmentOrder(input.computeEnvironmentOrder),
      jobStateTimeLimitActions: checkTimeLimitActions(input.jobStateTimeLimitActions),
      schedulingPolicyArn: input.schedulingPolicyArn === undefined ? undefined : this.schedulingPolicies.require(input.schedulingPolicyArn, 'schedulingPolicyArn').arn,
      tags: checkTags(input.tags, 'tags') ?? {},
    };
    this.jobQueues.set(name, detail);
    this.onChange('job-queue', name, detail);
    return { jobQueueName: name, jobQueueArn: arn };
  }

  /** UpdateJobQueue: state, priority, compute environments and time-limit actions. */
  public updateJobQueue(input: batch.UpdateJobQueueRequest): batch.UpdateJobQueueResponse {
    const queue = this.jobQueue(requireString(input.jobQueue, 'jobQueue'));
    if (input.schedulingPolicyArn !== undefined && !queue.schedulingPolicyArn) {
      invalid(`job queue ${shown(queue.jobQueueName)} was created without a scheduling policy: a first-in, first-out queue cannot be given one, expected a new queue with schedulingPolicyArn`);
    }
    const policyArn = input.schedulingPolicyArn === undefined ? undefined : this.schedulingPolicies.require(input.schedulingPolicyArn, 'schedulingPolicyArn').arn;
    const updated: batch.JobQueueDetail = {
      ...queue,
      state: checkOneOf(input.state, 'state', STATES) ?? queue.state,
      priority: checkInRange(input.priority, 'priority', QUEUE_PRIORITY_RANGE) ?? queue.priority,
      computeEnvironmentOrder: input.computeEnvironmentOrder ? this.checkComputeEnvironmentOrder(input.computeEnvironmentOrder) : queue.computeEnvironmentOrder,
      jobStateTimeLimitActions: input.jobStateTimeLimitActions ? checkTimeLimitActions(input.jobStateTimeLimitActions) : queue.jobStateTimeLimitActions,
      schedulingPolicyArn: policyArn ?? queue.schedulingPolicyArn,
    };
    this.jobQueues.set(queue.jobQueueName!, updated);
    this.onChange('job-queue', queue.jobQueueName!, updated);
    return { jobQueueName: queue.jobQueueName, jobQueueArn: queue.jobQueueArn };
  }

  /** DeleteJobQueue: AWS requires the queue DISABLED first. */
  public deleteJobQueue(input: batch.DeleteJobQueueRequest): batch.JobQueueDetail {
    const queue = this.jobQueue(requireString(input.jobQueue, 'jobQueue'));
    if (queue.state !== 'DISABLED') {
      invalid(`job queue ${shown(queue.jobQueueName)} is ENABLED: disable it before deleting it`);
    }
    this.jobQueues.delete(queue.jobQueueName!);
    this.onChange('job-queue', queue.jobQueueName!, undefined);
    return queue;
  }

  /** DescribeJobQueues, with AWS's optional name/ARN list and pagination. */
  public describeJobQueues(input: batch.DescribeJobQueuesRequest): batch.DescribeJobQueuesResponse {
    const selected = input.jobQueues?.length
      ? input.jobQueues.map((ref) => this.findJobQueue(ref)).filter((queue): queue is batch.JobQueueDetail => queue !== undefined)
      : [...this.jobQueues.values()];
    const page = paginate(selected, input.maxResults, input.nextToken);
    return { jobQueues: page.items, nextToken: page.nextToken };
  }

  /** RegisterJobDefinition: a new ACTIVE revision, numbered after the highest one ever registered. */
  public registerJobDefinition(input: batch.RegisterJobDefinitionRequest): batch.RegisterJobDefinitionResponse {
    const name = checkName(input.jobDefinitionName, 'jobDefinitionName');
    const type = requireOneOf(input.type, 'type', JD_TYPES);
    if (type === 'container') {
      checkOneJobShape(input, name);
    }
    if (type === 'multinode') {
      checkNodeProperties(input.nodeProperties, name);
    }
    checkParameters(input.parameters, 'parameters');
    if (input.containerProperties) {
      checkContainerProcess(input.containerProperties, 'containerProperties');
    }
    if (input.ecsProperties) {
      checkEcsProperties(input.ecsProperties, name);
      input.ecsProperties.taskProperties![0].containers!.forEach((container, index) =>
        checkContainerProcess(container, `ecsProperties.taskProperties[0].containers[${index}]`));
    }
    if (input.eksProperties) {
      checkEksProperties(input.eksProperties, name);
    }
    (input.nodeProperties?.nodeRangeProperties ?? []).forEach((range, index) =>
      checkContainerProcess(range?.container ?? {}, `nodeProperties.nodeRangeProperties[${index}].container`));
    checkInRange(input.timeout?.attemptDurationSeconds, 'timeout.attemptDurationSeconds', ATTEMPT_TIMEOUT_SECONDS_RANGE);
    checkRetryStrategy(input.retryStrategy, 'retryStrategy');
    checkInRange(input.schedulingPriority, 'schedulingPriority', SCHEDULING_PRIORITY_RANGE);
    const revision = (this.latestRevision.get(name) ?? 0) + 1;
    const arn = jobDefinitionArn(this.scope, name, revision);
    const definition: batch.JobDefinition = {
      jobDefinitionName: name,
      jobDefinitionArn: arn,
      revision,
      status: 'ACTIVE',
      type,
      parameters: input.parameters,
      retryStrategy: input.retryStrategy,
      containerProperties: input.containerProperties,
      ecsProperties: input.ecsProperties,
      eksProperties: input.eksProperties,
      nodeProperties: input.nodeProperties,
      timeout: input.timeout,
      tags: checkTags(input.tags, 'tags') ?? {},
      propagateTags: input.propagateTags,
      platformCapabilities: input.platformCapabilities ?? ['EC2'],
      schedulingPriority: input.schedulingPriority,
      consumableResourceProperties: input.consumableResourceProperties,
      containerOrchestrationType: input.eksProperties ? 'EKS' : 'ECS',
    };
    this.latestRevision.set(name, revision);
    this.jobDefinitions.set(arn, definition);
    this.onChange('job-definition', arn, definition);
    return { jobDefinitionName: name, jobDefinitionArn: arn, revision };
  }

  /** DeregisterJobDefinition: the revision becomes INACTIVE (kept, as AWS keeps it visible). */
  public deregisterJobDefinition(input: batch.DeregisterJobDefinitionRequest): void {
    const reference = requireString(input.jobDefinition, 'jobDefinition');
    const definition = this.resolveJobDefinition(reference, true);
    const updated = { ...definition, status: 'INACTIVE' };
    this.jobDefinitions.set(definition.jobDefinitionArn!, updated);
    this.onChange('job-definition', definition.jobDefinitionArn!, updated);
  }

  /** DescribeJobDefinitions: by names/ARNs, by name, by status; newest revision last within a name. */
  public describeJobDefinitions(input: batch.DescribeJobDefinitionsRequest): batch.DescribeJobDefinitionsResponse {
    checkOneOf(input.status, 'status', ['ACTIVE', 'INACTIVE']);
    let selected = [...this.jobDefinitions.values()];
    if (input.jobDefinitions?.length) {
      const wanted = new Set(input.jobDefinitions.flatMap((ref) => this.matchingDefinitionArns(ref)));
      selected = selected.filter((definition) => wanted.has(definition.jobDefinitionArn!));
    }
    if (input.jobDefinitionName !== undefined) {
      selected = selected.filter((definition) => definition.jobDefinitionName === input.jobDefinitionName);
    }
    if (input.status !== undefined) {
      selected = selected.filter((definition) => definition.status === input.status);
    }
    const page = paginate(selected, input.maxResults, input.nextToken);
    return { jobDefinitions: page.items, nextToken: page.nextToken };
  }

  /** A compute environment by name or ARN, or a ClientException naming the reference. */
  public computeEnvironment(reference: string): batch.ComputeEnvironmentDetail {
    return this.findComputeEnvironment(reference) ?? invalid(`compute environment ${shown(reference)} does not exist: expected the name or ARN of a compute environment`);
  }

  /** A job queue by name or ARN, or a ClientException naming the reference. */
  public jobQueue(reference: string): batch.JobQueueDetail {
    return this.findJobQueue(reference) ?? invalid(`job queue ${shown(reference)} does not exist: expected the name or ARN of a job queue`);
  }

  /** A compute environment by name or ARN. */
  public findComputeEnvironment(reference: string): batch.ComputeEnvironmentDetail | undefined {
    const name = nameFromReference(reference, 'compute-environment', this.scope);
    return name === undefined ? undefined : this.computeEnvironments.get(name);
  }

  /** A job queue by name or ARN. */
  public findJobQueue(reference: string): batch.JobQueueDetail | undefined {
    const name = nameFromReference(reference, 'job-queue', this.scope);
    return name === undefined ? undefined : this.jobQueues.get(name);
  }

  /**
   * The job definition a SubmitJob reference names: `name` (latest ACTIVE revision), `name:revision`
   * or an ARN (with or without revision). Inactive revisions are refused unless `allowInactive`.
   */
  public resolveJobDefinition(reference: string, allowInactive = false): batch.JobDefinition {
    const nameAndRevision = nameFromReference(reference, 'job-definition', this.scope)
      ?? invalid(`job definition ${shown(reference)} does not exist: expected name, name:revision or a job definition ARN of region ${this.scope.region} and account ${this.scope.accountId}`);
    const [name, revisionText] = nameAndRevision.split(':');
    let definition: batch.JobDefinition | undefined;
    if (revisionText === undefined) {
      definition = [...this.jobDefinitions.values()]
        .filter((candidate) => candidate.jobDefinitionName === name && candidate.status === 'ACTIVE')
        .sort((a, b) => b.revision! - a.revision!)[0];
    } else {
      definition = this.jobDefinitions.get(jobDefinitionArn(this.scope, name, Number(revisionText)));
    }
    if (!definition) {
      invalid(`job definition ${shown(reference)} does not exist${revisionText === undefined ? ' or has no ACTIVE revision' : ''}`);
    }
    if (definition.status !== 'ACTIVE' && !allowInactive) {
      invalid(`job definition ${shown(reference)} is INACTIVE: expected an ACTIVE revision`);
    }
    return definition;
  }

  /** The tags object of a resource named by ARN (mutable: the caller persists through `touch`). */
  public findTagged(arn: string): { kind: ResourceKind; key: string; detail: { tags?: Record<string, string> } } | undefined {
    const parsed = parseScopedArn(arn, this.scope);
    if (!parsed) {
      return undefined;
    }
    if (parsed.resourceType === 'compute-environment') {
      const detail = this.computeEnvironments.get(parsed.resourceName);
      return detail && { kind: parsed.resourceType, key: parsed.resourceName, detail };
    }
    if (parsed.resourceType === 'job-queue') {
      const detail = this.jobQueues.get(parsed.resourceName);
      return detail && { kind: parsed.resourceType, key: parsed.resourceName, detail };
    }
    if (parsed.resourceType === 'job-definition') {
      const detail = this.jobDefinitions.get(arn);
      return detail && { kind: parsed.resourceType, key: arn, detail };
    }
    if (parsed.resourceType === 'scheduling-policy') {
      const detail = this.schedulingPolicies.policies.get(parsed.resourceName);
      return detail && { kind: parsed.resourceType, key: parsed.resourceName, detail };
    }
    return undefined;
  }

  /** Persists a resource changed in place (tags). */
  public touch(kind: ResourceKind, key: string, detail: object): void {
    this.onChange(kind, key, detail);
  }

  private matchingDefinitionArns(reference: string): string[] {
    const nameAndRevision = nameFromReference(reference, 'job-definition', this.scope);
    if (nameAndRevision === undefined) {
      return [];
    }
    const [name, revision] = nameAndRevision.split(':');
    return [...this.jobDefinitions.values()]
      .filter((definition) => definition.jobDefinitionName === name && (revision === undefined || String(definition.revision) === revision))
      .map((definition) => definition.jobDefinitionArn!);
  }

  private checkComputeEnvironmentOrder(order: batch.ComputeEnvironmentOrder[] | undefined): batch.ComputeEnvironmentOrder[] {
    const { min, max } = QUEUE_COMPUTE_ENVIRONMENTS_RANGE;
    if (!Array.isArray(order) || !QUEUE_COMPUTE_ENVIRONMENTS_RANGE.accepts(order.length)) {
      invalid(`computeEnvironmentOrder must list ${min} to ${max} compute environments: given ${shown(order)}`);
    }
    const orders = new Set<number>();
    const kinds: (string | undefined)[] = [];
    const resolved = order.map((entry, index) => {
      const position = requireInteger(entry.order, `computeEnvironmentOrder[${index}].order`, 0, 1_000_000);
      if (orders.has(position)) {
        invalid(`computeEnvironmentOrder[${index}].order ${position} is used twice: expected distinct orders`);
      }
      orders.add(position);
      const ce = this.computeEnvironment(requireString(entry.computeEnvironment, `computeEnvironmentOrder[${index}].computeEnvironment`));
      kinds.push(ce.computeResources?.type);
      return { order: position, computeEnvironment: ce.computeEnvironmentArn };
    });
    if (mixesFargateAndEc2(kinds)) {
      invalid(`computeEnvironmentOrder mixes EC2/SPOT and FARGATE/FARGATE_SPOT compute environments: expected all of one kind`);
    }
    return resolved.sort((a, b) => a.order - b.order);
  }
}

/** The platform a compute environment runs jobs on: Fargate for FARGATE and FARGATE_SPOT, EC2 otherwise (EC2, SPOT, unmanaged). */
export function platformOf(ce: batch.ComputeEnvironmentDetail): 'FARGATE' | 'EC2' {
  return isFargateKind(ce.computeResources?.type) ? 'FARGATE' : 'EC2';
}

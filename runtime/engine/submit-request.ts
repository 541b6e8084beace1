/**
 * Validates a SubmitJob request against the engine's resources and jobs and turns it into the
 * immutable `JobSpec` the engine keeps (limits from the Batch API model and its documentation).
 */
import type * as batch from '@aws-sdk/client-batch';
import { checkName, checkTags, invalid, requireString, shown } from './errors';
import { checkContainerProcess, checkParameters, containerNeeds, definitionContainer } from './job-container';
import { checkPropertiesOverrides, ecsTaskContainer, localRunRefusal } from './ecs-task';
import type { JobRecord, JobSpec } from './job-record';
import type { ResourceRegistry } from './resources';
import { checkRetryStrategy } from './retry-policy';
import { checkShareIdentifier } from './scheduling-policies';
import type { ConsumableResourceRegistry } from './consumable-resources';
import { effectiveConsumables } from './consumable-jobs';
import { checkInRange } from './request-checks';
import { SCHEDULING_PRIORITY_RANGE } from '../model/container-settings-rules';
import { FargateOperatingSystem, fargatePairProblem } from '../model/fargate';
import { ARRAY_SIZE_RANGE, MAX_JOB_DEPENDENCIES, NUM_NODES_RANGE } from '../model/job-rules';
import { isNodeRangeText, numNodesOverrideProblem } from '../model/multi-node-rules';
import { ATTEMPT_TIMEOUT_SECONDS_RANGE } from '../model/retry-rules';

/** Looks up an existing job (or child, or node) by id. */
export type JobLookup = (jobId: string) => JobRecord | undefined;

/** Checks the request and builds its spec; throws `BatchClientException` on the first problem. */
export function buildJobSpec(input: batch.SubmitJobRequest, resources: ResourceRegistry, findJob: JobLookup, consumables: ConsumableResourceRegistry): JobSpec {
  if (typeof input !== 'object' || input === null) {
    invalid(`the SubmitJob request must be an object: given ${shown(input)}`);
  }
  checkName(input.jobName, 'jobName');
  const queue = resources.jobQueue(requireString(input.jobQueue, 'jobQueue'));
  if (queue.state !== 'ENABLED') {
    invalid(`job queue ${shown(queue.jobQueueName)} is DISABLED: it does not accept new jobs`);
  }
  const definition = resources.resolveJobDefinition(requireString(input.jobDefinition, 'jobDefinition'));
  const multiNode = definition.type === 'multinode';
  const arraySize = checkInRange(input.arrayProperties?.size, 'arrayProperties.size', ARRAY_SIZE_RANGE);
  if (input.arrayProperties && arraySize === undefined) {
    invalid(`arrayProperties.size is required with arrayProperties: expected ${ARRAY_SIZE_RANGE.expected}`);
  }
  if (multiNode && arraySize !== undefined) {
    invalid(`arrayProperties cannot be used with multinode job definition ${shown(definition.jobDefinitionName)}: multi-node parallel jobs are not array jobs`);
  }
  if (multiNode && input.containerOverrides) {
    invalid(`containerOverrides cannot be used with multinode job definition ${shown(definition.jobDefinitionName)}: use nodeOverrides`);
  }
  if (!multiNode && input.nodeOverrides) {
    invalid(`nodeOverrides can only be used with a multinode job definition: ${shown(definition.jobDefinitionName)} is a container job definition`);
  }
  const refusal = localRunRefusal(definition);
  if (refusal !== undefined) {
    invalid(refusal);
  }
  checkPropertiesOverrides(definition, input);
  checkDependencies(input, arraySize, findJob);
  checkRetryStrategy(input.retryStrategy, 'retryStrategy');
  checkInRange(input.timeout?.attemptDurationSeconds, 'timeout.attemptDurationSeconds', ATTEMPT_TIMEOUT_SECONDS_RANGE);
  checkParameters(input.parameters, 'parameters');
  checkOverrides(input.containerOverrides, 'containerOverrides');
  checkFargateSize(input, definition);
  const numNodes = multiNode ? checkNodeOverrides(input.nodeOverrides, definition) : undefined;
  const requestTags = checkTags(input.tags, 'tags') ?? {};
  if (Object.keys(requestTags).length === 0 && input.tags !== undefined) {
    invalid(`tags must hold 1 to 50 tags when given: given an empty map`);
  }
  if (input.shareIdentifier !== undefined) {
    checkShareIdentifier(input.shareIdentifier, 'shareIdentifier');
  }
  if (queue.schedulingPolicyArn && input.shareIdentifier === undefined) {
    invalid(`shareIdentifier is required: job queue ${shown(queue.jobQueueName)} has a fair-share scheduling policy`);
  }
  if (!queue.schedulingPolicyArn && input.shareIdentifier !== undefined) {
    invalid(`shareIdentifier ${shown(input.shareIdentifier)} cannot be used: job queue ${shown(queue.jobQueueName)} has no fair-share scheduling policy`);
  }
  checkInRange(input.schedulingPriorityOverride, 'schedulingPriorityOverride', SCHEDULING_PRIORITY_RANGE);
  const consumableResources = effectiveConsumables(input, definition, numNodes, consumables);
  const propagateTags = input.propagateTags ?? definition.propagateTags ?? false;
  return {
    request: { ...input, jobQueue: queue.jobQueueArn, jobDefinition: definition.jobDefinitionArn },
    queueName: queue.jobQueueName!,
    jobDefinition: definition,
    parameters: { ...definition.parameters, ...input.parameters },
    retryStrategy: input.retryStrategy ?? definition.retryStrategy,
    timeoutSeconds: input.timeout?.attemptDurationSeconds ?? definition.timeout?.attemptDurationSeconds,
    tags: propagateTags ? { ...definition.tags, ...requestTags } : requestTags,
    numNodes,
    consumableResources,
  };
}

function checkDependencies(input: batch.SubmitJobRequest, arraySize: number | undefined, findJob: JobLookup): void {
  const dependencies = input.dependsOn ?? [];
  if (!Array.isArray(dependencies)) {
    invalid(`dependsOn must be a list of {jobId, type}: given ${shown(dependencies)}`);
  }
  if (dependencies.length > MAX_JOB_DEPENDENCIES) {
    invalid(`dependsOn has ${dependencies.length} entries, expected at most ${MAX_JOB_DEPENDENCIES}`);
  }
  dependencies.forEach((dependency, index) => {
    const field = `dependsOn[${index}]`;
    if (dependency.type !== undefined && dependency.type !== 'N_TO_N' && dependency.type !== 'SEQUENTIAL') {
      invalid(`${field}.type must be N_TO_N or SEQUENTIAL: given ${shown(dependency.type)}`);
    }
    if (dependency.type === 'SEQUENTIAL') {
      if (arraySize === undefined) {
        invalid(`${field}: a SEQUENTIAL dependency needs an array job: expected arrayProperties.size`);
      }
      if (dependency.jobId !== undefined) {
        invalid(`${field}: a SEQUENTIAL dependency takes no jobId: given ${shown(dependency.jobId)}`);
      }
      return;
    }
    const jobId = requireString(dependency.jobId, `${field}.jobId`);
    const target = findJob(jobId) ?? invalid(`${field}.jobId ${shown(jobId)} is not a job this engine knows: expected the id of a submitted job`);
    if (dependency.type === 'N_TO_N') {
      if (arraySize === undefined) {
        invalid(`${field}: an N_TO_N dependency needs an array job: expected arrayProperties.size`);
      }
      if (target.kind !== 'array') {
        invalid(`${field}: an N_TO_N dependency must name an array job: ${shown(jobId)} is not one`);
      }
      const targetSize = target.spec.request.arrayProperties!.size!;
      if (targetSize !== arraySize) {
        invalid(`${field}: an N_TO_N dependency needs arrays of the same size: ${shown(jobId)} has ${targetSize} children, this job ${arraySize}`);
      }
    }
  });
}

function checkOverrides(overrides: batch.ContainerOverrides | undefined, field: string): void {
  if (!overrides) {
    return;
  }
  checkContainerProcess(overrides, field);
  for (const requirement of overrides.resourceRequirements ?? []) {
    if (!['VCPU', 'MEMORY', 'GPU'].includes(requirement.type as string) || !(Number(requirement.value) > 0)) {
      invalid(`${field}.resourceRequirements entry ${shown(requirement)} is invalid: expected type VCPU, MEMORY or GPU with a positive value`);
    }
  }
}

function checkNodeOverrides(overrides: batch.NodeOverrides | undefined, definition: batch.JobDefinition): number {
  const properties = definition.nodeProperties!;
  const numNodes = checkInRange(overrides?.numNodes, 'nodeOverrides.numNodes', NUM_NODES_RANGE) ?? properties.numNodes!;
  const targetNodes = (properties.nodeRangeProperties ?? []).map((range) => range.targetNodes ?? '');
  const problem = numNodesOverrideProblem({ numNodes: properties.numNodes!, mainNode: properties.mainNode!, targetNodes }, numNodes);
  if (problem) {
    invalid(`nodeOverrides.numNodes ${numNodes} ${problem}`);
  }
  (overrides?.nodePropertyOverrides ?? []).forEach((override, index) => {
    const field = `nodeOverrides.nodePropertyOverrides[${index}]`;
    const target = requireString(override.targetNodes, `${field}.targetNodes`);
    if (!isNodeRangeText(target)) {
      invalid(`${field}.targetNodes ${shown(target)} is not a node range: expected "0:3", ":3", "3:" or "3"`);
    }
    checkOverrides(override.containerOverrides, `${field}.containerOverrides`);
  });
  return numNodes;
}

/**
 * Refuses a Fargate container job whose vCPU and memory, after the submit's overrides, are a pair
 * Fargate does not offer: Batch takes the job definition but refuses such a job when submitted.
 */
function checkFargateSize(input: batch.SubmitJobRequest, definition: batch.JobDefinition): void {
  if (!(definition.platformCapabilities ?? []).includes('FARGATE')) {
    return;
  }
  const base = definition.ecsProperties ? ecsTaskContainer(definition.ecsProperties, input.ecsPropertiesOverride) : definitionContainer(definition);
  if (!base) {
    return;
  }
  const overridden = new Map((base.resourceRequirements ?? []).map((requirement) => [requirement.type, requirement]));
  for (const requirement of input.containerOverrides?.resourceRequirements ?? []) {
    overridden.set(requirement.type, requirement);
  }
  const needs = containerNeeds({ ...base, resourceRequirements: [...overridden.values()] });
  const os: FargateOperatingSystem = base.runtimePlatform?.operatingSystemFamily?.startsWith('WINDOWS') ? 'WINDOWS' : 'LINUX';
  const problem = fargatePairProblem(needs.milliVcpus / 1000, needs.memoryMiB, os);
  if (problem) {
    invalid(`job definition ${shown(definition.jobDefinitionName)} runs on Fargate and asks for ${problem}`);
  }
}

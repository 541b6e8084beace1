/**
 * Job definitions with `ecsProperties` (an ECS task: one task of up to 10 containers) and
 * `eksProperties` (a Kubernetes pod). An ECS task runs as a `containerProperties` job would: its
 * essential container becomes the job's container, with the whole task's vCPU, memory and GPU,
 * through the same launcher. A task with several essential containers, and every EKS pod, is
 * registered and described but refused at SubmitJob, with the reason.
 */
import type * as batch from '@aws-sdk/client-batch';
import { invalid, shown } from './errors';

/** ECS's limit on containers per task definition. */
const MAX_TASK_CONTAINERS = 10;

/**
 * A container job definition has exactly one of `containerProperties`, `ecsProperties` and
 * `eksProperties`, as the API model says.
 */
export function checkOneJobShape(input: batch.RegisterJobDefinitionRequest, definitionName: string): void {
  const given = (['containerProperties', 'ecsProperties', 'eksProperties'] as const).filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    invalid(`a container job definition needs exactly one of containerProperties, ecsProperties and eksProperties; job definition ${shown(definitionName)} has ${given.length === 0 ? 'none' : given.join(' and ')}`);
  }
}

/** RegisterJobDefinition's checks of `ecsProperties`: one task, 1 to 10 containers with an image, named when several, one or more essential. */
export function checkEcsProperties(properties: batch.EcsProperties, definitionName: string): void {
  const tasks = properties.taskProperties;
  if (!Array.isArray(tasks) || tasks.length !== 1) {
    invalid(`ecsProperties.taskProperties of job definition ${shown(definitionName)} must hold exactly one task; got ${Array.isArray(tasks) ? tasks.length : shown(tasks)}`);
  }
  const containers = tasks[0]?.containers;
  if (!Array.isArray(containers) || containers.length < 1 || containers.length > MAX_TASK_CONTAINERS) {
    invalid(`ecsProperties.taskProperties[0].containers of job definition ${shown(definitionName)} must hold 1 to ${MAX_TASK_CONTAINERS} containers; got ${Array.isArray(containers) ? containers.length : shown(containers)}`);
  }
  const names = new Set<string>();
  containers.forEach((container, index) => {
    const field = `ecsProperties.taskProperties[0].containers[${index}]`;
    if (typeof container?.image !== 'string' || container.image === '') {
      invalid(`${field}.image is required for job definition ${shown(definitionName)}; got ${shown(container?.image)}`);
    }
    if (containers.length > 1 && !container.name) {
      invalid(`${field}.name is required for job definition ${shown(definitionName)}: a task of ${containers.length} containers names each one`);
    }
    if (container.name !== undefined && names.has(container.name)) {
      invalid(`${field}.name ${shown(container.name)} is used twice in job definition ${shown(definitionName)}: container names in a task are unique`);
    }
    if (container.name !== undefined) names.add(container.name);
  });
  if (!containers.some(isEssential)) {
    invalid(`ecsProperties.taskProperties[0] of job definition ${shown(definitionName)} has no essential container: at least one must have essential true (the default)`);
  }
}

/** RegisterJobDefinition's checks of `eksProperties`: a pod with at least one container with an image. */
export function checkEksProperties(properties: batch.EksProperties, definitionName: string): void {
  const containers = properties.podProperties?.containers;
  if (!Array.isArray(containers) || containers.length < 1) {
    invalid(`eksProperties.podProperties.containers of job definition ${shown(definitionName)} must hold at least one container; got ${shown(containers)}`);
  }
  containers.forEach((container, index) => {
    if (typeof container?.image !== 'string' || container.image === '') {
      invalid(`eksProperties.podProperties.containers[${index}].image is required for job definition ${shown(definitionName)}; got ${shown(container?.image)}`);
    }
  });
}

/**
 * Why a job of this definition cannot run on the local engine, or `undefined` when it can;
 * SubmitJob refuses it with this reason, so the caller learns it at once rather than from a FAILED job.
 */
export function localRunRefusal(definition: batch.JobDefinition): string | undefined {
  const name = shown(definition.jobDefinitionName);
  if (definition.eksProperties) {
    return `job definition ${name} has eksProperties: the local engine runs ECS tasks and containers, not Kubernetes pods (it has no EKS cluster to schedule them on); register the same containers under containerProperties or ecsProperties to run them locally`;
  }
  const containers = definition.ecsProperties?.taskProperties?.[0]?.containers ?? [];
  const essential = containers.filter(isEssential);
  if (essential.length > 1) {
    return `job definition ${name} has ${essential.length} essential containers (${essential.map((c) => shown(c.name)).join(', ')}): the local engine runs one essential container per task; mark the others essential false`;
  }
  return undefined;
}

/** Rejects overrides the job's kind of definition does not take, as AWS does. */
export function checkPropertiesOverrides(definition: batch.JobDefinition, request: batch.SubmitJobRequest): void {
  const name = shown(definition.jobDefinitionName);
  if (definition.ecsProperties && request.containerOverrides) {
    invalid(`containerOverrides cannot be used with job definition ${name}: it has ecsProperties; use ecsPropertiesOverride`);
  }
  if (request.ecsPropertiesOverride && !definition.ecsProperties) {
    invalid(`ecsPropertiesOverride can only be used with a job definition that has ecsProperties: ${name} has none`);
  }
  const names = new Set((definition.ecsProperties?.taskProperties?.[0]?.containers ?? []).map((c) => c.name));
  for (const [index, override] of (request.ecsPropertiesOverride?.taskProperties?.[0]?.containers ?? []).entries()) {
    if (override.name !== undefined ? !names.has(override.name) : names.size > 1) {
      invalid(`ecsPropertiesOverride.taskProperties[0].containers[${index}].name ${shown(override.name)} names no container of job definition ${name}; expected one of ${[...names].map(shown).join(', ')}`);
    }
  }
}

/**
 * The container an ECS task job runs, as `containerProperties`: the essential container with the
 * task's roles, network and volumes, asking for the whole task's vCPU, memory and GPU, with its
 * `ecsPropertiesOverride` applied.
 */
export function ecsTaskContainer(properties: batch.EcsProperties, override: batch.EcsPropertiesOverride | undefined): batch.ContainerProperties {
  const task = properties.taskProperties![0];
  const containers = task.containers!;
  const essential = containers.find(isEssential)!;
  const overrides = (override?.taskProperties?.[0]?.containers ?? []).filter((o) => o.name === undefined || o.name === essential.name);
  let environment = essential.environment ?? [];
  let command = essential.command;
  let ownRequirements = essential.resourceRequirements ?? [];
  for (const o of overrides) {
    command = o.command ?? command;
    environment = mergeByKey(environment, o.environment ?? [], (pair) => pair.name);
    ownRequirements = mergeByKey(ownRequirements, o.resourceRequirements ?? [], (r) => r.type);
  }
  const others = containers.filter((c) => c !== essential).flatMap((c) => {
    const named = (override?.taskProperties?.[0]?.containers ?? []).filter((o) => o.name === c.name);
    return named.reduce((requirements, o) => mergeByKey(requirements, o.resourceRequirements ?? [], (r) => r.type), c.resourceRequirements ?? []);
  });
  return {
    image: essential.image,
    command,
    environment,
    resourceRequirements: taskTotal([...ownRequirements, ...others]),
    user: essential.user,
    privileged: essential.privileged,
    readonlyRootFilesystem: essential.readonlyRootFilesystem,
    ulimits: essential.ulimits,
    linuxParameters: essential.linuxParameters,
    logConfiguration: essential.logConfiguration,
    mountPoints: essential.mountPoints,
    secrets: essential.secrets,
    repositoryCredentials: essential.repositoryCredentials,
    volumes: task.volumes,
    jobRoleArn: task.taskRoleArn,
    executionRoleArn: task.executionRoleArn,
    networkConfiguration: task.networkConfiguration,
    runtimePlatform: task.runtimePlatform,
    ephemeralStorage: task.ephemeralStorage,
    fargatePlatformConfiguration: task.platformVersion ? { platformVersion: task.platformVersion } : undefined,
  };
}

/** The name DescribeJobs gives the essential container of an ECS task job, if it has one. */
export function essentialContainerName(properties: batch.EcsProperties): string | undefined {
  return properties.taskProperties?.[0]?.containers?.find(isEssential)?.name;
}

function isEssential(container: batch.TaskContainerProperties): boolean {
  return container.essential !== false;
}

/** The task's VCPU, MEMORY and GPU: the sum over its containers, as ECS reserves them. */
function taskTotal(requirements: readonly batch.ResourceRequirement[]): batch.ResourceRequirement[] {
  const totals = new Map<string, number>();
  for (const requirement of requirements) {
    totals.set(requirement.type!, (totals.get(requirement.type!) ?? 0) + Number(requirement.value));
  }
  return [...totals].map(([type, value]) => ({ type: type as batch.ResourceType, value: String(value) }));
}

function mergeByKey<T>(base: readonly T[], overrides: readonly T[], key: (item: T) => unknown): T[] {
  const merged = new Map(base.map((item) => [key(item), item]));
  for (const item of overrides) merged.set(key(item), item);
  return [...merged.values()];
}

/**
 * How DescribeJobs shows a job of an `ecsProperties` job definition: as AWS does, by its task
 * (`ecsProperties.taskProperties`, and `taskProperties` in each attempt) rather than by a
 * `container`; the run's exit code, reason and log stream go on the essential container.
 */
import type * as batch from '@aws-sdk/client-batch';

/** The `ecsProperties` of a JobDetail: the definition's task, its essential container carrying what the job's container shows. */
export function ecsTaskDetail(properties: batch.EcsProperties, container: batch.ContainerDetail): batch.EcsPropertiesDetail {
  const task: Partial<batch.EcsTaskProperties> = properties.taskProperties?.[0] ?? {};
  const essential = essentialIndex(task.containers ?? []);
  return {
    taskProperties: [{
      ...task,
      taskArn: container.taskArn,
      containerInstanceArn: container.containerInstanceArn,
      containers: (task.containers ?? []).map((c, index) => (index !== essential ? c : {
        ...c,
        command: container.command,
        environment: container.environment,
        exitCode: container.exitCode,
        reason: container.reason,
        logStreamName: container.logStreamName,
        networkInterfaces: [],
      })),
    }],
  };
}

/** The `taskProperties` of an attempt of an ECS task job. */
export function ecsAttemptTasks(properties: batch.EcsProperties, container: batch.AttemptContainerDetail): batch.AttemptEcsTaskDetails[] {
  const containers = properties.taskProperties?.[0]?.containers ?? [];
  const essential = essentialIndex(containers);
  return [{
    taskArn: container.taskArn,
    containerInstanceArn: container.containerInstanceArn,
    containers: containers.map((c, index) => (index !== essential ? { name: c.name } : {
      name: c.name, exitCode: container.exitCode, reason: container.reason, logStreamName: container.logStreamName, networkInterfaces: [],
    })),
  }];
}

function essentialIndex(containers: readonly batch.TaskContainerProperties[]): number {
  return containers.findIndex((c) => c.essential !== false);
}

/**
 * Reading a job attempt's output from CloudWatch Logs, where Batch's default `awslogs` driver
 * puts it (group `/aws/batch/job`, stream `<job definition>/default/<task id>`), for `batchkit logs`.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { JobDetail } from '@aws-sdk/client-batch';
import { CliError, EXIT_WORK_FAILED } from './exit-codes';
import { AWS_BATCH_LOG_GROUP } from './run-summary';

/** GetLogEvents pages at most: 10,000 events each, so a million lines, far past what a terminal reads. */
const MAX_PAGES = 100;

/** The log group of a job's output: its `awslogs-group` option when the job definition sets one, else Batch's default. */
export function logGroupOf(detail: JobDetail | undefined): string {
  const configuration = detail?.container?.logConfiguration;
  return configuration?.logDriver === 'awslogs' ? configuration.options?.['awslogs-group'] ?? AWS_BATCH_LOG_GROUP : AWS_BATCH_LOG_GROUP;
}

/**
 * Writes every message of a log stream, oldest first, one line each, as pages arrive; resolves to
 * the number of messages. Errors name the group, stream and region and what usually causes them.
 */
export async function writeLogStream(client: CloudWatchLogsClient, group: string, stream: string, write: (line: string) => void): Promise<number> {
  let token: string | undefined;
  let messages = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await client.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }))
      .catch(async (err: unknown) => { throw await readError(err, client, group, stream); });
    for (const event of response.events ?? []) {
      write(event.message ?? '');
      messages++;
    }
    // The forward token comes back unchanged once the end of the stream is reached.
    if (!response.nextForwardToken || response.nextForwardToken === token) {
      break;
    }
    token = response.nextForwardToken;
  }
  return messages;
}

async function readError(err: unknown, client: CloudWatchLogsClient, group: string, stream: string): Promise<CliError> {
  const name = (err as { name?: string }).name;
  const where = `CloudWatch Logs group ${group}, stream ${stream} (region ${await client.config.region().catch(() => 'unknown')})`;
  if (name === 'ResourceNotFoundException') {
    return new CliError(`${where} does not exist: the job has written no output yet, or its job definition sends logs elsewhere`, EXIT_WORK_FAILED);
  }
  if (name === 'AccessDeniedException') {
    return new CliError(`cannot read ${where}: these credentials lack logs:GetLogEvents on it (${(err as Error).message})`, EXIT_WORK_FAILED);
  }
  return new CliError(`cannot read ${where}: ${(err as Error).message}`, EXIT_WORK_FAILED);
}

/**
 * A run's identity: its id (which prefixes every job name, so it must suit Batch's jobName
 * rule) and the target its jobs go to, as recorded in the journal.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { WorkflowConfigurationError } from './errors';
import { RunTarget } from './journal';
import { RuntimeServices } from './retry';

const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

/**
 * Checks a run id given by the user: 1-48 letters, digits, `-`, `_`, starting alphanumeric,
 * without `__` (the separator in job names), so every job name stays within Batch's 128.
 * @throws WorkflowConfigurationError
 */
export function checkRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId) || runId.includes('__')) {
    throw new WorkflowConfigurationError(`run id must be 1-48 letters, digits, '-' or '_' starting with a letter or digit and without '__', got '${runId}'`);
  }
}

/** A new run id: `<workflow name, up to 24 chars>-<yyyymmddThhmmss UTC>-<4 random base-36 chars>`. */
export function newRunId(workflowName: string, services: RuntimeServices): string {
  const stamp = new Date(services.now()).toISOString().replace(/[-:]/g, '').slice(0, 15);
  const random = Math.floor(services.random() * 36 ** 4).toString(36).padStart(4, '0');
  return `${workflowName.slice(0, 24).replace(/_{2,}/g, '_')}-${stamp}-${random}`;
}

/** The endpoint and region a client sends its calls to. */
export async function describeTarget(client: BatchClient): Promise<RunTarget> {
  const region = await client.config.region();
  const endpoint = client.config.endpoint ? await client.config.endpoint() : undefined;
  const url = endpoint ? `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path === '/' ? '' : endpoint.path ?? ''}` : undefined;
  return { region, endpoint: url };
}

/** A target in words, for messages: `the local engine on DIR`, `endpoint URL`, `AWS Batch in REGION`. */
export function targetDescription(target: RunTarget): string {
  const kind = kindOf(target);
  if (kind === 'local') {
    return `the local engine on ${target.dataDir ?? 'its data directory'}`;
  }
  return kind === 'endpoint' ? `endpoint ${target.endpoint}` : `AWS Batch${target.region ? ` in ${target.region}` : ''}`;
}

/**
 * Why `given` is not the target a run recorded, or undefined when it is (or cannot be told: one
 * side is a local engine and the other an endpoint of unknown kind, which may be that engine's
 * server, whose port changes each time).
 */
export function targetConflict(recorded: RunTarget, given: RunTarget): string | undefined {
  if ((recorded.kind === 'local' && given.kind === undefined) || (given.kind === 'local' && recorded.kind === undefined)) {
    return undefined;
  }
  const same = kindOf(recorded) === kindOf(given) && (
    kindOf(recorded) === 'local' ? recorded.dataDir === given.dataDir
      : kindOf(recorded) === 'endpoint' ? trimSlash(recorded.endpoint) === trimSlash(given.endpoint)
        : recorded.region === undefined || given.region === undefined || recorded.region === given.region);
  return same ? undefined : `was started against ${targetDescription(recorded)}, not ${targetDescription(given)}`;
}

function kindOf(target: RunTarget): 'local' | 'endpoint' | 'aws' {
  return target.kind ?? (target.endpoint ? 'endpoint' : 'aws');
}

function trimSlash(url: string | undefined): string | undefined {
  return url?.replace(/\/+$/, '');
}

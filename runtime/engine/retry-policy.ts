/**
 * Decides what happens after a failed attempt, with AWS Batch's `evaluateOnExit` rules: entries
 * tried in order, first match wins, no match retries while attempts remain.
 */
import type * as batch from '@aws-sdk/client-batch';
import { invalid, shown } from './errors';

/** What an attempt ended with, as `evaluateOnExit` sees it. */
export interface AttemptOutcome {
  /** The container's exit code (absent when it never ran). */
  readonly exitCode?: number;
  /** The container's reason (`onReason` matches it). */
  readonly reason?: string;
  /** The attempt's status reason (`onStatusReason` matches it). */
  readonly statusReason?: string;
}

/** Whether a job goes back to RUNNABLE. */
export type RetryDecision = 'RETRY' | 'EXIT';

const PATTERN = /^[A-Za-z0-9.: \t]*\*?$/;
const EXIT_CODE_PATTERN = /^[0-9]*\*?$/;

/** Checks a retry strategy the way RegisterJobDefinition and SubmitJob do. */
export function checkRetryStrategy(strategy: batch.RetryStrategy | undefined, field: string): void {
  if (!strategy) {
    return;
  }
  if (strategy.attempts !== undefined && (!Number.isInteger(strategy.attempts) || strategy.attempts < 1 || strategy.attempts > 10)) {
    invalid(`${field}.attempts must be an integer from 1 to 10: given ${shown(strategy.attempts)}`);
  }
  const rules = strategy.evaluateOnExit ?? [];
  if (rules.length > 5) {
    invalid(`${field}.evaluateOnExit has ${rules.length} entries, expected at most 5`);
  }
  rules.forEach((rule, index) => {
    const where = `${field}.evaluateOnExit[${index}]`;
    if (typeof rule.action !== 'string' || !['RETRY', 'EXIT'].includes(rule.action.toUpperCase())) {
      invalid(`${where}.action must be RETRY or EXIT: given ${shown(rule.action)}`);
    }
    for (const key of ['onStatusReason', 'onReason'] as const) {
      const pattern = rule[key];
      if (pattern !== undefined && (typeof pattern !== 'string' || pattern.length > 512 || !PATTERN.test(pattern))) {
        invalid(`${where}.${key} ${shown(pattern)} is not a valid pattern: expected up to 512 letters, digits, periods, colons and white space, optionally ending in *`);
      }
    }
    if (rule.onExitCode !== undefined && (typeof rule.onExitCode !== 'string' || rule.onExitCode.length > 512 || !EXIT_CODE_PATTERN.test(rule.onExitCode))) {
      invalid(`${where}.onExitCode ${shown(rule.onExitCode)} is not a valid pattern: expected digits, optionally ending in *`);
    }
  });
}

/**
 * Whether a failed attempt is retried: the first `evaluateOnExit` entry whose every condition
 * matches decides; with no match, the job retries while `attemptsMade < attempts`.
 */
export function decideRetry(strategy: batch.RetryStrategy | undefined, outcome: AttemptOutcome, attemptsMade: number): RetryDecision {
  const attemptsAllowed = strategy?.attempts ?? 1;
  const rule = (strategy?.evaluateOnExit ?? []).find((candidate) => ruleMatches(candidate, outcome));
  if (rule && rule.action!.toUpperCase() === 'EXIT') {
    return 'EXIT';
  }
  return attemptsMade < attemptsAllowed ? 'RETRY' : 'EXIT';
}

function ruleMatches(rule: batch.EvaluateOnExit, outcome: AttemptOutcome): boolean {
  return patternMatches(rule.onStatusReason, outcome.statusReason)
    && patternMatches(rule.onReason, outcome.reason)
    && patternMatches(rule.onExitCode, outcome.exitCode === undefined ? undefined : String(outcome.exitCode));
}

/** An absent pattern matches anything; `*` at the end makes it a prefix match; otherwise exact. */
function patternMatches(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) {
    return true;
  }
  if (value === undefined) {
    return false;
  }
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

/**
 * Decides what happens after a failed attempt, with AWS Batch's `evaluateOnExit` rules: entries
 * tried in order, first match wins, no match retries while attempts remain.
 */
import type * as batch from '@aws-sdk/client-batch';
import { EXIT_CODE_PATTERN, MAX_EVALUATE_ON_EXIT_RULES, REASON_PATTERN, RETRY_ACTION, RETRY_ATTEMPTS_RANGE } from '../model/retry-rules';
import { invalid, shown } from './errors';
import { checkInRange } from './request-checks';

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

/** Checks a retry strategy the way RegisterJobDefinition and SubmitJob do. */
export function checkRetryStrategy(strategy: batch.RetryStrategy | undefined, field: string): void {
  if (!strategy) {
    return;
  }
  checkInRange(strategy.attempts, `${field}.attempts`, RETRY_ATTEMPTS_RANGE);
  const rules = strategy.evaluateOnExit ?? [];
  if (rules.length > MAX_EVALUATE_ON_EXIT_RULES) {
    invalid(`${field}.evaluateOnExit has ${rules.length} entries, expected at most ${MAX_EVALUATE_ON_EXIT_RULES}`);
  }
  rules.forEach((rule, index) => {
    const where = `${field}.evaluateOnExit[${index}]`;
    if (!RETRY_ACTION.accepts(rule.action)) {
      invalid(`${where}.action must be ${RETRY_ACTION.expected}: given ${shown(rule.action)}`);
    }
    for (const key of ['onStatusReason', 'onReason'] as const) {
      if (rule[key] !== undefined && !REASON_PATTERN.accepts(rule[key])) {
        invalid(`${where}.${key} ${shown(rule[key])} is not a valid pattern: expected ${REASON_PATTERN.expected}`);
      }
    }
    if (rule.onExitCode !== undefined && !EXIT_CODE_PATTERN.accepts(rule.onExitCode)) {
      invalid(`${where}.onExitCode ${shown(rule.onExitCode)} is not a valid pattern: expected ${EXIT_CODE_PATTERN.expected}`);
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

/**
 * Rules AWS Batch applies to a job definition's retry strategy, timeout and environment
 * (the SubmitJob and RegisterJobDefinition limits of the Batch API). Each function returns the problems it finds as messages that
 * complete "<subject> ...", so the CDK checks and the runtime word them the same way; an
 * empty list means the value is valid.
 */

/** Fewest and most attempts a retry strategy may ask for. */
export const RETRY_ATTEMPTS_RANGE = { min: 1, max: 10 } as const;

/** Most `evaluateOnExit` rules one retry strategy may carry. */
export const MAX_EVALUATE_ON_EXIT_RULES = 5;

/** Shortest attempt timeout Batch accepts, in seconds. */
export const MIN_TIMEOUT_SECONDS = 60;

/** Prefix Batch keeps for the variables it sets in every job. */
export const RESERVED_ENVIRONMENT_PREFIX = 'AWS_BATCH';

/** One `evaluateOnExit` rule, as the Batch API spells it. */
export interface EvaluateOnExitRule {
  /** Glob on the exit code: digits, optionally ending in `*`. */
  readonly onExitCode?: string;
  /** Glob on the status reason. */
  readonly onStatusReason?: string;
  /** Glob on the reason. */
  readonly onReason?: string;
  /** `RETRY` or `EXIT`, case-insensitive. */
  readonly action: string;
}

const EXIT_CODE_PATTERN = /^[0-9]*\*?$/;
// Batch allows letters, digits, periods, colons and white space, optionally ending in `*`.
const REASON_PATTERN = /^[A-Za-z0-9.:\s]*\*?$/;
const MAX_PATTERN_LENGTH = 512;

/** Problems with `attempts` (1..10), e.g. `asks for 11 retry attempts but Batch allows 1..10`. */
export function retryAttemptsProblems(attempts: number): string[] {
  if (Number.isInteger(attempts) && attempts >= RETRY_ATTEMPTS_RANGE.min && attempts <= RETRY_ATTEMPTS_RANGE.max) return [];
  return [`asks for ${attempts} retry attempts but Batch allows ${RETRY_ATTEMPTS_RANGE.min}..${RETRY_ATTEMPTS_RANGE.max}`];
}

/** Problems with a list of `evaluateOnExit` rules: at most five, each with valid patterns and action. */
export function evaluateOnExitProblems(rules: readonly EvaluateOnExitRule[]): string[] {
  const problems: string[] = [];
  if (rules.length > MAX_EVALUATE_ON_EXIT_RULES) {
    problems.push(`has ${rules.length} evaluateOnExit rules but Batch allows at most ${MAX_EVALUATE_ON_EXIT_RULES}`);
  }
  rules.forEach((rule, index) => {
    const where = `evaluateOnExit rule ${index + 1}`;
    if (rule.onExitCode === undefined && rule.onStatusReason === undefined && rule.onReason === undefined) {
      problems.push(`has ${where} with no condition but Batch expects onExitCode, onStatusReason or onReason`);
    }
    if (rule.onExitCode !== undefined && (rule.onExitCode === '' || !EXIT_CODE_PATTERN.test(rule.onExitCode) || rule.onExitCode.length > MAX_PATTERN_LENGTH)) {
      problems.push(`has ${where} with onExitCode '${rule.onExitCode}' but expected digits with an optional trailing '*'`);
    }
    for (const field of ['onStatusReason', 'onReason'] as const) {
      const value = rule[field];
      if (value !== undefined && (!REASON_PATTERN.test(value) || value.length > MAX_PATTERN_LENGTH)) {
        problems.push(`has ${where} with ${field} '${value}' but expected letters, digits, periods, colons and spaces (at most ${MAX_PATTERN_LENGTH}), with an optional trailing '*'`);
      }
    }
    if (!/^(retry|exit)$/i.test(rule.action)) {
      problems.push(`has ${where} with action '${rule.action}' but expected RETRY or EXIT`);
    }
  });
  return problems;
}

/** Problems with an attempt timeout, e.g. `has a timeout of 30 seconds but Batch expects at least 60`. */
export function timeoutProblems(attemptDurationSeconds: number): string[] {
  if (attemptDurationSeconds >= MIN_TIMEOUT_SECONDS) return [];
  return [`has a timeout of ${attemptDurationSeconds} seconds but Batch expects at least ${MIN_TIMEOUT_SECONDS}`];
}

/** Problems with environment variable names: none may start with `AWS_BATCH`, which Batch keeps for itself. */
export function environmentNameProblems(names: readonly string[]): string[] {
  return names
    .filter((name) => name.startsWith(RESERVED_ENVIRONMENT_PREFIX))
    .map((name) => `sets environment variable '${name}' but names starting with ${RESERVED_ENVIRONMENT_PREFIX} are reserved for Batch`);
}

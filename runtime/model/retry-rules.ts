/**
 * Rules AWS Batch applies to a job definition's or a submit's retry strategy, timeout and
 * environment (the SubmitJob and RegisterJobDefinition limits of the Batch API). The ranges and
 * patterns decide; the `*Problems` functions word what they find as messages that complete
 * "<subject> ...", for the CDK checks; an empty list means the value is valid.
 */
import { environmentNameProblem } from './environment-rules';
import { integerRange } from './integer-range';

/** Attempts a retry strategy may ask for: 1 to 10 (each move to RUNNABLE counts). */
export const RETRY_ATTEMPTS_RANGE = integerRange(1, 10);

/** Most `evaluateOnExit` rules one retry strategy may carry. */
export const MAX_EVALUATE_ON_EXIT_RULES = 5;

/** Attempt timeouts Batch accepts, in seconds: at least 60. */
export const ATTEMPT_TIMEOUT_SECONDS_RANGE = integerRange(60);

/** A pattern rule of `evaluateOnExit`: whether Batch accepts the text, and what it expects. */
export interface PatternRule {
  /** Whether `value` is a string Batch accepts here. */
  accepts(value: unknown): value is string;
  /** What is accepted, to follow "expected" or "must be". */
  readonly expected: string;
}

const MAX_PATTERN_LENGTH = 512;

function patternRule(pattern: RegExp, allowEmpty: boolean, expected: string): PatternRule {
  return {
    accepts: (value: unknown): value is string => typeof value === 'string' && (allowEmpty || value !== '') && value.length <= MAX_PATTERN_LENGTH && pattern.test(value),
    expected,
  };
}

/** `onExitCode`: digits, optionally ending in `*` (a prefix match), at most 512 characters. */
export const EXIT_CODE_PATTERN = patternRule(/^[0-9]*\*?$/, false, `digits with an optional trailing '*' (at most ${MAX_PATTERN_LENGTH} characters)`);

/** `onReason` and `onStatusReason`: letters, digits, periods, colons, spaces and tabs, optionally ending in `*`. */
export const REASON_PATTERN = patternRule(/^[A-Za-z0-9.: \t]*\*?$/, true,
  `letters, digits, periods, colons, spaces and tabs (at most ${MAX_PATTERN_LENGTH}), with an optional trailing '*'`);

/** `action`: `RETRY` or `EXIT`, in any case. */
export const RETRY_ACTION: PatternRule = {
  accepts: (value: unknown): value is string => typeof value === 'string' && /^(retry|exit)$/i.test(value),
  expected: 'RETRY or EXIT',
};

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

/** Problems with `attempts` (1..10), e.g. `asks for 11 retry attempts but Batch allows 1..10`. */
export function retryAttemptsProblems(attempts: number): string[] {
  if (RETRY_ATTEMPTS_RANGE.accepts(attempts)) return [];
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
    if (rule.onExitCode !== undefined && !EXIT_CODE_PATTERN.accepts(rule.onExitCode)) {
      problems.push(`has ${where} with onExitCode '${rule.onExitCode}' but expected ${EXIT_CODE_PATTERN.expected}`);
    }
    for (const field of ['onStatusReason', 'onReason'] as const) {
      const value = rule[field];
      if (value !== undefined && !REASON_PATTERN.accepts(value)) {
        problems.push(`has ${where} with ${field} '${value}' but expected ${REASON_PATTERN.expected}`);
      }
    }
    if (!RETRY_ACTION.accepts(rule.action)) {
      problems.push(`has ${where} with action '${rule.action}' but expected ${RETRY_ACTION.expected}`);
    }
  });
  return problems;
}

/** Problems with an attempt timeout, e.g. `has a timeout of 30 seconds but Batch expects at least 60`. */
export function timeoutProblems(attemptDurationSeconds: number): string[] {
  if (ATTEMPT_TIMEOUT_SECONDS_RANGE.accepts(attemptDurationSeconds)) return [];
  return [`has a timeout of ${attemptDurationSeconds} seconds but Batch expects at least ${ATTEMPT_TIMEOUT_SECONDS_RANGE.min}`];
}

/**
 * Problems with environment variable names (see `environmentNameProblem`), e.g.
 * `sets environment variable 'AWS_BATCH_JOB_ID', which is reserved: names starting with AWS_BATCH are set by Batch`.
 */
export function environmentNameProblems(names: readonly string[]): string[] {
  return names.flatMap((name) => {
    const problem = environmentNameProblem(name);
    // JSON escapes keep a control character in the name visible in the message.
    return problem === undefined ? [] : [`sets environment variable '${JSON.stringify(name).slice(1, -1)}', which ${problem}`];
  });
}

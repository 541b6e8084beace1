/**
 * Validation of a workflow definition: shape, names, references between steps, cycles and
 * Batch's limits. Collects every issue with its path so the file loader can point at the
 * line and column; nothing is submitted for a workflow with any issue.
 */
import { MIN_CONTAINER_MEMORY_MIB } from '../model/container-resource-rules';
import { environmentNameProblem } from '../model/environment-rules';
import { ARRAY_SIZE_RANGE, MAX_JOB_DEPENDENCIES, NUM_NODES_RANGE } from '../model/job-rules';
import { MAX_TAGS } from '../model/tag-rules';
import {
  ATTEMPT_TIMEOUT_SECONDS_RANGE, EXIT_CODE_PATTERN, MAX_EVALUATE_ON_EXIT_RULES, REASON_PATTERN, RETRY_ACTION, RETRY_ATTEMPTS_RANGE,
} from '../model/retry-rules';
import { ValidationIssue, WorkflowValidationError } from './errors';
import {
  DEFAULT_JOIN_JOB_DEFINITION,
  StepDefinition, StepDependency, Workflow, WorkflowDefinition, WorkflowStep,
} from './model';

type Path = Array<string | number>;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const WORKFLOW_KEYS = ['name', 'defaults', 'join', 'steps'];
const DEFAULTS_KEYS = ['jobDefinition', 'jobQueue'];
const JOIN_KEYS = ['jobDefinition', 'jobQueue'];
const STEP_KEYS = [
  'jobDefinition', 'jobQueue', 'arraySize', 'sequential', 'numNodes', 'command', 'environment', 'vcpus',
  'memoryMiB', 'gpus', 'parameters', 'retry', 'timeoutSeconds', 'tags', 'dependsOn',
];
const RETRY_KEYS = ['attempts', 'evaluateOnExit'];
const CONDITION_KEYS = ['onExitCode', 'onReason', 'onStatusReason', 'action'];
const DEPENDENCY_KEYS = ['step', 'type'];

/**
 * Validates a workflow definition (from code or parsed from a file) and returns the
 * normalised workflow.
 * @throws WorkflowValidationError listing every issue found
 */
export function validateWorkflow(definition: unknown): Workflow {
  const issues: ValidationIssue[] = [];
  const workflow = checkWorkflow(definition, issues);
  if (issues.length > 0 || !workflow) {
    throw new WorkflowValidationError(issues);
  }
  return workflow;
}

/** Defines a workflow in code: the same checks as a file, with the definition's type. */
export function defineWorkflow(definition: WorkflowDefinition): Workflow {
  return validateWorkflow(definition);
}

function checkWorkflow(input: unknown, issues: ValidationIssue[]): Workflow | undefined {
  const add = (path: Path, message: string) => issues.push({ path, message });
  if (!isRecord(input)) {
    add([], `a workflow must be a mapping with 'name' and 'steps', got ${typeName(input)}`);
    return undefined;
  }
  checkKeys(input, WORKFLOW_KEYS, [], 'workflow', add);
  const name = input.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    add(['name'], `workflow name must be 1-64 letters, digits, '-' or '_' starting with a letter or digit, got ${show(name)}`);
  }
  const defaults = optionalRecord(input, 'defaults', [], add);
  if (defaults) {
    checkKeys(defaults, DEFAULTS_KEYS, ['defaults'], 'defaults', add);
    checkOptionalReference(defaults, 'jobDefinition', ['defaults'], add);
    checkOptionalReference(defaults, 'jobQueue', ['defaults'], add);
  }
  const join = optionalRecord(input, 'join', [], add);
  if (join) {
    checkKeys(join, JOIN_KEYS, ['join'], 'join', add);
    checkOptionalReference(join, 'jobDefinition', ['join'], add);
    checkOptionalReference(join, 'jobQueue', ['join'], add);
  }
  if (!isRecord(input.steps) || Object.keys(input.steps).length === 0) {
    add(['steps'], `'steps' must be a mapping of step name to step with at least one step, got ${show(input.steps)}`);
    return undefined;
  }
  const rawSteps = input.steps as Record<string, unknown>;
  checkStepNames(Object.keys(rawSteps), add);
  const steps: WorkflowStep[] = [];
  for (const [stepName, rawStep] of Object.entries(rawSteps)) {
    const step = checkStep(stepName, rawStep, defaults ?? {}, add);
    if (step) {
      steps.push(step);
    }
  }
  checkGraph(steps, add);
  if (issues.length > 0) {
    return undefined;
  }
  return {
    name: name as string,
    definition: input as unknown as WorkflowDefinition,
    steps,
    joinJobDefinition: (join?.jobDefinition as string | undefined) ?? DEFAULT_JOIN_JOB_DEFINITION,
    joinJobQueue: join?.jobQueue as string | undefined,
  };
}

function checkStepNames(names: string[], add: (path: Path, message: string) => void): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    if (!NAME_PATTERN.test(name) || name.includes('__')) {
      add(['steps', name, '$key'], `step name must be 1-64 letters, digits, '-' or '_' starting with a letter or digit and without '__' (it separates run, step and join index in job names), got '${name}'`);
    }
    // Batch's JOB_NAME filter is case-insensitive, so names differing only in case would share jobs on resume.
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) {
      add(['steps', name, '$key'], `step names must differ in more than case (resume finds jobs by case-insensitive name), '${name}' clashes with '${other}'`);
    }
    seen.set(name.toLowerCase(), name);
  }
}

function checkStep(name: string, raw: unknown, defaults: Record<string, unknown>, add: (path: Path, message: string) => void): WorkflowStep | undefined {
  const at: Path = ['steps', name];
  if (!isRecord(raw)) {
    add(at, `step '${name}' must be a mapping, got ${typeName(raw)}`);
    return undefined;
  }
  checkKeys(raw, STEP_KEYS, at, `step '${name}'`, add);
  const jobDefinition = raw.jobDefinition ?? defaults.jobDefinition;
  const jobQueue = raw.jobQueue ?? defaults.jobQueue;
  checkOptionalReference(raw, 'jobDefinition', at, add);
  checkOptionalReference(raw, 'jobQueue', at, add);
  if (jobDefinition === undefined) {
    add(at, `step '${name}' has no jobDefinition and the workflow has no defaults.jobDefinition`);
  }
  if (jobQueue === undefined) {
    add(at, `step '${name}' has no jobQueue and the workflow has no defaults.jobQueue`);
  }
  if (raw.arraySize !== undefined && !ARRAY_SIZE_RANGE.accepts(raw.arraySize)) {
    add([...at, 'arraySize'], `step '${name}' arraySize must be ${ARRAY_SIZE_RANGE.expected}, got ${show(raw.arraySize)}`);
  }
  if (raw.sequential !== undefined && typeof raw.sequential !== 'boolean') {
    add([...at, 'sequential'], `step '${name}' sequential must be true or false, got ${show(raw.sequential)}`);
  } else if (raw.sequential === true && raw.arraySize === undefined) {
    add([...at, 'sequential'], `step '${name}' is sequential but has no arraySize: SEQUENTIAL applies to the children of an array job`);
  }
  if (raw.numNodes !== undefined) {
    if (!NUM_NODES_RANGE.accepts(raw.numNodes)) {
      add([...at, 'numNodes'], `step '${name}' numNodes must be ${NUM_NODES_RANGE.expected}, got ${show(raw.numNodes)}`);
    } else if (raw.arraySize !== undefined) {
      add([...at, 'numNodes'], `step '${name}' has both numNodes and arraySize: a multi-node job cannot be an array job`);
    }
  }
  if (raw.command !== undefined && !(Array.isArray(raw.command) && raw.command.length > 0 && raw.command.every((c) => typeof c === 'string'))) {
    add([...at, 'command'], `step '${name}' command must be a non-empty list of strings, got ${show(raw.command)}`);
  }
  checkStringMap(raw, 'environment', at, name, add);
  if (isRecord(raw.environment)) {
    for (const key of Object.keys(raw.environment)) {
      const problem = environmentNameProblem(key);
      if (problem !== undefined) {
        // JSON escapes keep a control character in the name visible in the message.
        add([...at, 'environment', key, '$key'], `step '${name}' environment variable '${JSON.stringify(key).slice(1, -1)}' ${problem}`);
      }
    }
  }
  checkStringMap(raw, 'parameters', at, name, add);
  checkStringMap(raw, 'tags', at, name, add);
  if (isRecord(raw.tags) && Object.keys(raw.tags).length > MAX_TAGS) {
    add([...at, 'tags'], `step '${name}' has ${Object.keys(raw.tags).length} tags, Batch accepts at most ${MAX_TAGS}`);
  }
  for (const [key, min] of [['vcpus', 0.25], ['memoryMiB', MIN_CONTAINER_MEMORY_MIB], ['gpus', 0]] as const) {
    if (raw[key] !== undefined && !(typeof raw[key] === 'number' && raw[key] >= min)) {
      add([...at, key], `step '${name}' ${key} must be a number of at least ${min}, got ${show(raw[key])}`);
    }
  }
  if (raw.timeoutSeconds !== undefined && !ATTEMPT_TIMEOUT_SECONDS_RANGE.accepts(raw.timeoutSeconds)) {
    add([...at, 'timeoutSeconds'], `step '${name}' timeoutSeconds must be ${ATTEMPT_TIMEOUT_SECONDS_RANGE.expected} (Batch's minimum), got ${show(raw.timeoutSeconds)}`);
  }
  checkRetry(raw.retry, [...at, 'retry'], name, add);
  const dependsOn = checkDependencies(raw.dependsOn, [...at, 'dependsOn'], name, add);
  return {
    name,
    jobDefinition: typeof jobDefinition === 'string' ? jobDefinition : '',
    jobQueue: typeof jobQueue === 'string' ? jobQueue : '',
    definition: raw as StepDefinition,
    dependsOn,
  };
}

function checkRetry(retry: unknown, at: Path, name: string, add: (path: Path, message: string) => void): void {
  if (retry === undefined) {
    return;
  }
  if (!isRecord(retry)) {
    add(at, `step '${name}' retry must be a mapping with 'attempts', got ${typeName(retry)}`);
    return;
  }
  checkKeys(retry, RETRY_KEYS, at, `step '${name}' retry`, add);
  if (!RETRY_ATTEMPTS_RANGE.accepts(retry.attempts)) {
    add([...at, 'attempts'], `step '${name}' retry.attempts must be ${RETRY_ATTEMPTS_RANGE.expected}, got ${show(retry.attempts)}`);
  }
  if (retry.evaluateOnExit === undefined) {
    return;
  }
  if (!Array.isArray(retry.evaluateOnExit) || retry.evaluateOnExit.length > MAX_EVALUATE_ON_EXIT_RULES) {
    add([...at, 'evaluateOnExit'], `step '${name}' retry.evaluateOnExit must be a list of at most ${MAX_EVALUATE_ON_EXIT_RULES} conditions, got ${show(retry.evaluateOnExit)}`);
    return;
  }
  retry.evaluateOnExit.forEach((condition, index) => {
    const where = [...at, 'evaluateOnExit', index];
    if (!isRecord(condition)) {
      add(where, `step '${name}' retry condition must be a mapping, got ${typeName(condition)}`);
      return;
    }
    checkKeys(condition, CONDITION_KEYS, where, `step '${name}' retry condition`, add);
    if (!RETRY_ACTION.accepts(condition.action)) {
      add([...where, 'action'], `step '${name}' retry condition action must be ${RETRY_ACTION.expected}, got ${show(condition.action)}`);
    }
    if (condition.onExitCode !== undefined && !EXIT_CODE_PATTERN.accepts(condition.onExitCode)) {
      add([...where, 'onExitCode'], `step '${name}' retry condition onExitCode must be ${EXIT_CODE_PATTERN.expected}, got ${show(condition.onExitCode)}`);
    }
    for (const key of ['onReason', 'onStatusReason'] as const) {
      if (condition[key] !== undefined && !REASON_PATTERN.accepts(condition[key])) {
        add([...where, key], `step '${name}' retry condition ${key} must be ${REASON_PATTERN.expected}, got ${show(condition[key])}`);
      }
    }
  });
}

function checkDependencies(raw: unknown, at: Path, name: string, add: (path: Path, message: string) => void): Array<Required<StepDependency>> {
  if (raw === undefined) {
    return [];
  }
  if (!Array.isArray(raw)) {
    add(at, `step '${name}' dependsOn must be a list of step names or { step, type } entries, got ${typeName(raw)}`);
    return [];
  }
  const result: Array<Required<StepDependency>> = [];
  raw.forEach((entry, index) => {
    if (typeof entry === 'string') {
      result.push({ step: entry, type: 'STEP' });
      return;
    }
    if (!isRecord(entry) || typeof entry.step !== 'string') {
      add([...at, index], `step '${name}' dependency must be a step name or { step, type }, got ${show(entry)}`);
      return;
    }
    checkKeys(entry, DEPENDENCY_KEYS, [...at, index], `step '${name}' dependency`, add);
    const type = entry.type ?? 'STEP';
    if (type !== 'STEP' && type !== 'N_TO_N') {
      add([...at, index, 'type'], `step '${name}' dependency type must be STEP or N_TO_N (SEQUENTIAL is the step's own 'sequential: true'), got ${show(type)}`);
      return;
    }
    result.push({ step: entry.step, type });
  });
  return result;
}

function checkGraph(steps: WorkflowStep[], add: (path: Path, message: string) => void): void {
  const byName = new Map(steps.map((s) => [s.name, s]));
  for (const step of steps) {
    const seen = new Set<string>();
    let nToN = 0;
    step.dependsOn.forEach((dep, index) => {
      const at: Path = ['steps', step.name, 'dependsOn', index];
      const parent = byName.get(dep.step);
      if (!parent) {
        add(at, `step '${step.name}' depends on unknown step '${dep.step}' (steps: ${summarize([...byName.keys()])})`);
        return;
      }
      if (parent === step) {
        add(at, `step '${step.name}' depends on itself`);
        return;
      }
      if (seen.has(dep.step)) {
        add(at, `step '${step.name}' depends on '${dep.step}' more than once`);
      }
      seen.add(dep.step);
      if (dep.type === 'N_TO_N') {
        nToN++;
        const mine = step.definition.arraySize;
        const theirs = parent.definition.arraySize;
        if (mine === undefined || theirs === undefined || mine !== theirs) {
          add(at, `step '${step.name}' has an N_TO_N dependency on '${dep.step}', which needs two array steps of equal size, got sizes ${mine ?? 'none'} and ${theirs ?? 'none'}`);
        }
      }
    });
    // N_TO_N and SEQUENTIAL entries cannot be routed through join jobs, so they must fit Batch's limit with one slot left for a join.
    const fixedEntries = nToN + (step.definition.sequential ? 1 : 0);
    const wholeStep = step.dependsOn.length - nToN;
    if (fixedEntries > MAX_JOB_DEPENDENCIES || (fixedEntries === MAX_JOB_DEPENDENCIES && wholeStep > 0)) {
      add(['steps', step.name, 'dependsOn'], `step '${step.name}' needs ${fixedEntries} N_TO_N/SEQUENTIAL dependency entries plus ${wholeStep} whole-step ones; Batch allows ${MAX_JOB_DEPENDENCIES} and only whole-step dependencies can be joined`);
    }
  }
  const cycle = findCycle(steps, byName);
  if (cycle) {
    add(['steps', cycle[0], 'dependsOn'], `dependency cycle: ${cycle.join(' -> ')}`);
  }
}

/** Finds one cycle (as a path of step names ending where it started), iteratively for deep graphs. */
function findCycle(steps: WorkflowStep[], byName: Map<string, WorkflowStep>): string[] | undefined {
  const state = new Map<string, 'active' | 'done'>();
  for (const root of steps) {
    if (state.has(root.name)) {
      continue;
    }
    const stack: Array<{ step: WorkflowStep; next: number }> = [{ step: root, next: 0 }];
    state.set(root.name, 'active');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const dep = frame.step.dependsOn[frame.next++];
      if (!dep) {
        state.set(frame.step.name, 'done');
        stack.pop();
        continue;
      }
      const parent = byName.get(dep.step);
      if (!parent || parent === frame.step) {
        continue;
      }
      const parentState = state.get(parent.name);
      if (parentState === 'active') {
        const names = stack.map((f) => f.step.name);
        return [...names.slice(names.indexOf(parent.name)), parent.name];
      }
      if (parentState === undefined) {
        state.set(parent.name, 'active');
        stack.push({ step: parent, next: 0 });
      }
    }
  }
  return undefined;
}

function checkKeys(record: Record<string, unknown>, allowed: string[], at: Path, what: string, add: (path: Path, message: string) => void): void {
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      add([...at, key, '$key'], `unknown key '${key}' in ${what}, expected one of: ${allowed.join(', ')}`);
    }
  }
}

function checkOptionalReference(record: Record<string, unknown>, key: string, at: Path, add: (path: Path, message: string) => void): void {
  const value = record[key];
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
    add([...at, key], `${key} must be a name, an ARN or 'cdk:<construct id or path>', got ${show(value)}`);
  }
}

function checkStringMap(record: Record<string, unknown>, key: string, at: Path, name: string, add: (path: Path, message: string) => void): void {
  const value = record[key];
  if (value === undefined) {
    return;
  }
  if (!isRecord(value)) {
    add([...at, key], `step '${name}' ${key} must be a mapping of names to strings, got ${typeName(value)}`);
    return;
  }
  for (const [entryKey, entryValue] of Object.entries(value)) {
    if (typeof entryValue !== 'string') {
      add([...at, key, entryKey], `step '${name}' ${key} '${entryKey}' must be a string (quote numbers and booleans), got ${show(entryValue)}`);
    }
  }
}

function optionalRecord(record: Record<string, unknown>, key: string, at: Path, add: (path: Path, message: string) => void): Record<string, unknown> | undefined {
  const value = record[key];
  if (value === undefined) {
    return undefined;
  }
  if (!isRecord(value)) {
    add([...at, key], `'${key}' must be a mapping, got ${typeName(value)}`);
    return undefined;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
}

function show(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function summarize(names: string[]): string {
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, ... (${names.length} in all)`;
}

/**
 * `--param key=value` of `run` and `plan`: values for the `Ref::` parameters of every step.
 * Precedence follows Batch's own, where the value given closest to submission wins (SubmitJob
 * parameters over the job definition's defaults): a `--param` over the step's `parameters` in
 * the workflow file, and those over the job definition's. The values become part of the run's
 * workflow, so the journal keeps them and `resume` submits what `run` would have.
 */
import type { Command } from 'commander';
import { parameterNameProblem } from '../model/parameter-rules';
import { validateWorkflow, type StepDefinition, type Workflow } from '../workflow';
import { CliError, EXIT_USAGE } from './exit-codes';

/** Adds the repeatable `--param key=value`. */
export function addParamOption(command: Command): Command {
  return command.option('--param <key=value>', "value of the job definitions' Ref::<key> parameter for every step; wins over the step's parameters (repeatable)", collectParam);
}

/**
 * Parses `--param` values into a map; a key given twice takes its last value, as a shell user
 * overriding an alias expects.
 * @throws CliError (exit 2) naming the argument that is not `key=value` or whose key no `Ref::` can name
 */
export function parseParams(values: readonly string[] | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const value of values ?? []) {
    const equals = value.indexOf('=');
    if (equals < 0) {
      throw new CliError(`--param '${value}' is not key=value; expected e.g. --param date=2026-01-01`, EXIT_USAGE);
    }
    const key = value.slice(0, equals);
    const problem = parameterNameProblem(key);
    if (problem) {
      throw new CliError(`--param '${value}': parameter ${problem}`, EXIT_USAGE);
    }
    if (value.includes('\0')) {
      throw new CliError(`--param '${key}' holds a NUL character, which no process argument can carry`, EXIT_USAGE);
    }
    params[key] = value.slice(equals + 1);
  }
  return params;
}

/** The workflow with `params` merged into every step's parameters, `params` winning. */
export function withRunParameters(workflow: Workflow, params: Readonly<Record<string, string>>): Workflow {
  if (Object.keys(params).length === 0) return workflow;
  const steps: Record<string, StepDefinition> = {};
  for (const [name, step] of Object.entries(workflow.definition.steps)) {
    steps[name] = { ...step, parameters: { ...step.parameters, ...params } };
  }
  return validateWorkflow({ ...workflow.definition, steps });
}

function collectParam(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

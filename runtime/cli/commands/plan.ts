/**
 * `batchkit plan <workflow file>`: a dry run. Validates the workflow, plans it as `run` would
 * (steps, array sizes, join jobs), resolves its queue and job definition references against
 * the target and looks each one up with read-only Describe calls, and shows the Batch calls a
 * run would make. Nothing is submitted, registered or created.
 */
import type { Command } from 'commander';
import { LocalBatchEngine } from '../../engine';
import { loadTemplate, type LoadedBatchResource } from '../../template/load-template';
import { ConstructReferenceResolver, loadWorkflowFile } from '../../workflow';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { createOutput, type Output } from '../output';
import { lookUpPlanDocument, printPlanDocument, type PlanDocument, type PlanTarget } from '../plan-document';
import { clientLookup } from '../plan-references';
import { addParamOption, parseParams, withRunParameters } from '../run-parameters';
import { addTargetOptions, openTarget, targetSpecOf, type TargetFlags, type TargetSpec } from '../targets';

/** Flags of `batchkit plan`. */
export interface PlanFlags extends TargetFlags {
  /** `--param key=value`, repeatable, unparsed. */
  readonly param?: string[];
  /** `--register-join-job-definition`. */
  readonly registerJoinJobDefinition?: boolean;
  /** `--json`. */
  readonly json?: boolean;
}

/** Adds `batchkit plan` to the program. */
export function registerPlan(program: Command): void {
  const command = program
    .command('plan')
    .description('validate a workflow and show what a run would submit, with every reference looked up on the target; submits nothing')
    .argument('<workflow>', 'workflow file (YAML or JSON)');
  addTargetOptions(command);
  addParamOption(command)
    .option('--register-join-job-definition', 'plan as `run --register-join-job-definition` would (always on with --local)')
    .option('--json', 'print one JSON document instead of text')
    .addHelpText('after', `
Examples:
  $ batchkit plan examples/workflow.yaml --local --template cdk.out/BatchkitExample.template.json
  $ batchkit plan pipeline.yaml --region eu-west-1 --stack BatchkitExample --param date=2026-01-01
  $ batchkit plan pipeline.yaml --endpoint http://127.0.0.1:8866 --json | jq .runCalls

With --local the templates are loaded into an engine in memory: the data directory is not opened,
so plan runs beside a 'batchkit run' or 'local serve' that holds it. On an endpoint or AWS the
queues and job definitions are looked up with DescribeJobQueues and DescribeJobDefinitions only.
Exit codes: 0 the workflow is valid and every reference exists, 1 a lookup on the target failed,
2 bad usage, an invalid workflow, or a reference that resolves to nothing or does not exist.`)
    .action(async (file: string, flags: PlanFlags) => {
      process.exitCode = await planWorkflowFile(file, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit plan` does; resolves to the exit code. */
export async function planWorkflowFile(file: string, flags: PlanFlags, output: Output): Promise<number> {
  const spec = targetSpecOf(flags);
  const params = parseParams(flags.param);
  const workflow = withRunParameters(loadWorkflowFile(file), params);
  const target = await openLookupTarget(spec);
  let doc: PlanDocument;
  try {
    doc = await lookUpPlanDocument(workflow, params, file, target, spec.kind === 'local' || flags.registerJoinJobDefinition === true);
  } finally {
    await target.close();
  }
  if (output.json) {
    output.document(doc);
    for (const problem of doc.problems) output.warn(`batchkit: ${problem}`);
  } else {
    printPlanDocument(doc, output);
  }
  return doc.problems.length > 0 ? EXIT_USAGE : EXIT_OK;
}

interface LookupTarget extends PlanTarget {
  close(): Promise<void>;
}

/**
 * The local target as `run --local` creates it, in memory: its templates loaded into an engine
 * that keeps no data directory and starts no job; remote targets through their client.
 */
async function openLookupTarget(spec: TargetSpec): Promise<LookupTarget> {
  if (spec.kind !== 'local') {
    const target = await openTarget(spec, { resolveReferences: true });
    const description = spec.kind === 'endpoint' ? `endpoint ${spec.endpoint}` : `AWS Batch${spec.region ? ` in ${spec.region}` : ''}`;
    return { description, resolver: target.resolver, lookup: clientLookup(target.client), close: () => target.close() };
  }
  const engine = await LocalBatchEngine.open({ launcher: 'process' });
  try {
    const loaded: LoadedBatchResource[] = [];
    for (const template of spec.templates) {
      const report = await loadTemplate(engine, template);
      loaded.push(...report.resources);
    }
    const templates = spec.templates.length === 1 ? '1 template' : `${spec.templates.length} templates`;
    return { description: `the local engine (${templates})`, resolver: new ConstructReferenceResolver(loaded), lookup: engine, close: () => engine.close() };
  } catch (err) {
    await engine.close();
    throw err;
  }
}

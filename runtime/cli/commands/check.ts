/**
 * `batchkit check [cdk.out]`: what a synthesized app declares, for people who review
 * infrastructure, and the findings batchkit's checks attached at synth.
 */
import type { Command } from 'commander';
import * as path from 'path';
import { readCloudAssembly, CloudAssemblyReadError, type AssemblyStack, type SynthMessage } from '../../inspect/cloud-assembly';
import { declaredBatchResources, type DeclaredBatchResources, type DeclaredJobDefinition } from '../../inspect/batch-resources';
import { placementReport, type JobDefinitionPlacement } from '../../inspect/placement-report';
import { CliError, EXIT_USAGE, EXIT_WORK_FAILED } from '../exit-codes';
import { createOutput, formatTable, type Output } from '../output';

/** The `--json` document of `batchkit check`. */
export interface CheckReport {
  readonly stacks: Array<{
    readonly stackName: string;
    readonly templatePath: string;
    readonly resources: DeclaredBatchResources;
    /** Every job definition against every queue of its stack. */
    readonly placements: JobDefinitionPlacement[];
    /** Messages attached at synth, then placement findings for job definitions no queue can run. */
    readonly findings: SynthMessage[];
  }>;
  readonly errors: number;
  readonly warnings: number;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("summarize a synthesized CDK app's AWS Batch resources and the findings of batchkit's checks")
    .argument('[assembly]', 'the cloud assembly directory `cdk synth` wrote', 'cdk.out')
    .option('--json', 'print one JSON document instead of text')
    .addHelpText('after', `
Examples:
  $ npx cdk synth && batchkit check
  $ batchkit check cdk.out --json | jq '.stacks[].findings'

Exit codes: 0 no error findings, 1 error findings, 2 the directory is not a synthesized app.`)
    .action((assembly: string, options: { json?: boolean }) => {
      const output = createOutput({ json: options.json });
      const report = buildCheckReport(assembly);
      printCheckReport(report, output);
      output.document(report);
      if (report.errors > 0) process.exitCode = EXIT_WORK_FAILED;
    });
}

/** Reads the assembly and gathers what `check` shows. */
export function buildCheckReport(assemblyDir: string): CheckReport {
  let stacks: AssemblyStack[];
  try {
    stacks = readCloudAssembly(assemblyDir);
  } catch (err) {
    if (err instanceof CloudAssemblyReadError) throw new CliError(err.message, EXIT_USAGE);
    throw err;
  }
  const withBatch = stacks
    .map((stack) => {
      const resources = declaredBatchResources(stack.template);
      const placements = placementReport(resources);
      return {
        stackName: stack.stackName,
        templatePath: stack.templatePath,
        resources,
        placements,
        findings: [...stack.messages.filter((m) => m.level !== 'info'), ...placementFindings(stack.stackName, resources, placements)],
      };
    })
    .filter((s) => s.findings.length > 0 || s.resources.jobQueues.length + s.resources.computeEnvironments.length + s.resources.jobDefinitions.length > 0);
  const all = withBatch.flatMap((s) => s.findings);
  return {
    stacks: withBatch,
    errors: all.filter((f) => f.level === 'error').length,
    warnings: all.filter((f) => f.level === 'warning').length,
  };
}

/** Prints the report for people. */
export function printCheckReport(report: CheckReport, output: Output): void {
  const { bold, dim, yellow, red } = output.style;
  for (const stack of report.stacks) {
    const r = stack.resources;
    const ceName = new Map(r.computeEnvironments.map((ce) => [ce.logicalId, ce.name]));
    output.plain(bold(`Stack ${stack.stackName}`) + dim(` (${path.relative(process.cwd(), stack.templatePath)})`));
    output.plain('');
    output.plain(bold('Compute environments'));
    table(output, ['name', 'kind', 'instance types', 'vCPUs (min-max)'], r.computeEnvironments.map((ce) => [
      ce.name, ce.kind, ce.instanceTypes.join(', ') || '-', `${ce.minvCpus ?? 0}-${ce.maxvCpus ?? '?'}`,
    ]));
    output.plain(bold('Job queues') + dim(' (higher priority first)'));
    table(output, ['name', 'priority', 'compute environments in order'], [...r.jobQueues]
      .sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0))
      .map((q) => [q.name, String(q.priority ?? '?'), q.computeEnvironments.map((id) => ceName.get(id) ?? id).join(' → ')]));
    output.plain(bold('Job definitions'));
    const placements = new Map(stack.placements.map((p) => [p.jobDefinition, p]));
    table(output, ['name', 'type', 'platform', 'vCPUs', 'memory', 'GPUs', 'can run on'], r.jobDefinitions.map((jd) => [
      jd.name, describeType(jd), jd.platform, list(jd, (c) => c.vcpus), list(jd, (c) => c.memoryMiB, ' MiB'), list(jd, (c) => c.gpus ?? 0),
      runsOn(placements.get(jd.name)),
    ]));
    if (stack.findings.length === 0) {
      output.plain(dim('No findings.'));
    } else {
      output.plain(bold('Findings'));
      for (const f of stack.findings) {
        output.plain(`  ${f.level === 'error' ? red('error') : yellow('warning')} ${f.path}: ${f.message}`);
      }
    }
    output.plain('');
  }
  output.plain(`${report.stacks.length} stack(s), ${report.errors} error(s), ${report.warnings} warning(s)`);
}

// Queues that fit, and `queue?` for those that cannot be judged (unknown instance types, unmanaged compute).
function runsOn(placement: JobDefinitionPlacement | undefined): string {
  const names = (placement?.queues ?? []).flatMap((q) => (q.status === 'fits' ? [q.queue] : q.status === 'unknown' ? [`${q.queue}?`] : []));
  return names.length > 0 ? names.join(', ') : 'no queue';
}

// A job definition no queue can ever run is an error; one that only cannot be judged is a warning.
function placementFindings(stackName: string, resources: DeclaredBatchResources, placements: JobDefinitionPlacement[]): SynthMessage[] {
  if (resources.jobQueues.length === 0) return [];
  const pathOf = new Map(resources.jobDefinitions.map((jd) => [jd.name, `/${jd.constructPath ?? `${stackName}/${jd.logicalId}`}`]));
  return placements.flatMap((p): SynthMessage[] => {
    if (p.queues.some((q) => q.status === 'fits')) return [];
    const unknown = p.queues.filter((q) => q.status === 'unknown');
    if (unknown.length > 0) return [{ level: 'warning', path: pathOf.get(p.jobDefinition)!, message: unknown.map((q) => q.reason).join('; ') }];
    return [{ level: 'error', path: pathOf.get(p.jobDefinition)!, message: `no queue can run it: ${p.queues.map((q) => q.reason).join('; ')}` }];
  });
}

function describeType(jd: DeclaredJobDefinition): string {
  return jd.type === 'multinode' ? `multinode (${jd.numNodes ?? '?'} nodes)` : jd.type;
}

function list(jd: DeclaredJobDefinition, pick: (c: DeclaredJobDefinition['containers'][number]) => number | undefined, unit = ''): string {
  return jd.containers.map((c) => { const v = pick(c); return v === undefined ? '?' : `${v}${unit}`; }).join(' / ');
}

function table(output: Output, header: string[], rows: string[][]): void {
  if (rows.length === 0) {
    output.plain(output.style.dim('  (none)'));
  } else {
    for (const line of formatTable(header, rows)) output.plain(`  ${line}`);
  }
  output.plain('');
}

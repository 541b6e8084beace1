/**
 * `batchkit diff <before> <after>`: what a change to a Batch stack will do before `cdk deploy`
 * does it. Each side is a cdk.out directory or a template file; the before side can also be a
 * deployed stack (`--stack NAME --region R`), read with CloudFormation GetTemplate.
 */
import type { Command } from 'commander';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { pairStacks, readDeployedSide, readSide, type SideStack } from '../../inspect/diff/load-sides';
import { renderMarkdown } from '../../inspect/diff/render-markdown';
import { diffStacks, type DiffReport } from '../../inspect/diff/stack-diff';
import { CliError, EXIT_OK, EXIT_USAGE, EXIT_WORK_FAILED } from '../exit-codes';
import { createOutput } from '../output';

/** Flags of `batchkit diff`, as commander parses them. */
export interface DiffFlags {
  /** `--stack`: the before side is this deployed stack. */
  readonly stack?: string;
  /** `--region`: the deployed stack's region. */
  readonly region?: string;
  /** `--stack-name`: compare this stack only. */
  readonly stackName?: string;
  readonly json?: boolean;
}

const DEFAULT_AFTER = 'cdk.out';

/** Makes the CloudFormation client that reads a deployed stack. */
export type CloudFormationClientFactory = (region: string) => CloudFormationClient;

/** Adds `batchkit diff` to the program. */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('review what deploying a change to a Batch stack will do: replacements, failing deploys, infrastructure updates, new revisions, unplaceable jobs')
    .argument('[before]', 'cdk.out directory or template file before the change (with --stack: the after side)')
    .argument('[after]', 'cdk.out directory or template file after the change (default: cdk.out)')
    .option('--stack <name>', 'take the before side from this deployed stack (CloudFormation GetTemplate)')
    .option('--region <region>', 'region of the deployed stack (with --stack)')
    .option('--stack-name <name>', 'compare only this stack of the cloud assemblies')
    .option('--json', 'print one JSON document (shape in docs/review.md) instead of Markdown')
    .addHelpText('after', `
Examples:
  $ cp -r cdk.out /tmp/before && npx cdk synth && batchkit diff /tmp/before cdk.out
  $ batchkit diff --stack BatchkitExample --region eu-west-1 cdk.out
  $ batchkit diff old.template.json new.template.json --json | jq '.stacks[].consequences'

Exit codes: 0 nothing blocks the deploy, 1 the deploy would fail or a job definition could no
longer run on a queue it could run on, 2 bad input (missing path, not a template, no such stack).`)
    .action(async (first: string | undefined, second: string | undefined, flags: DiffFlags) => {
      const output = createOutput({ json: flags.json });
      const report = await buildDiffReport([first, second].filter((a): a is string => a !== undefined), flags);
      for (const line of renderMarkdown(report)) output.plain(line);
      output.document(report);
      process.exitCode = report.blocking > 0 ? EXIT_WORK_FAILED : EXIT_OK;
    });
}

/**
 * Reads both sides and reviews them; bad input becomes a usage error. `paths` are the
 * positional arguments: before and after, or with `--stack` the after side only.
 */
export async function buildDiffReport(
  paths: string[], flags: DiffFlags,
  cloudFormation: CloudFormationClientFactory = (region) => new CloudFormationClient({ region }),
): Promise<DiffReport> {
  const [before, after] = await readSides(paths, flags, cloudFormation);
  return diffStacks(pairStacks(before, after, flags.stackName));
}

async function readSides(paths: string[], flags: DiffFlags, cloudFormation: CloudFormationClientFactory): Promise<[SideStack[], SideStack[]]> {
  if (flags.stack === undefined) {
    if (flags.region !== undefined) throw new CliError(`--region ${flags.region} is given without --stack: it names the region of a deployed stack`, EXIT_USAGE);
    if (paths.length === 0) throw new CliError('diff needs a before side: a cdk.out directory, a template file, or --stack NAME --region REGION', EXIT_USAGE);
    return [readSide(paths[0]), readSide(paths[1] ?? DEFAULT_AFTER)];
  }
  if (paths.length > 1) throw new CliError(`with --stack ${flags.stack} the deployed stack is the before side: give one path (the after side), got ${paths.length}: ${paths.join(', ')}`, EXIT_USAGE);
  if (flags.region === undefined) throw new CliError(`--stack ${flags.stack} needs --region: the region the stack is deployed in`, EXIT_USAGE);
  const after = readSide(paths[0] ?? DEFAULT_AFTER);
  return [await readDeployedSide(cloudFormation(flags.region), flags.stack, flags.region), after];
}

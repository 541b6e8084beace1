/**
 * The two sides of a `batchkit diff`: each a synthesized app (`cdk.out/`), one template file,
 * or (before only) a deployed stack's template read with CloudFormation GetTemplate. Stacks of
 * the two sides are paired by stack name.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GetTemplateCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { parse as parseYaml } from 'yaml';
import { readCloudAssembly, CloudAssemblyReadError, type CfnTemplate, type InspectErrorCode } from '../cloud-assembly';
import { BatchkitError } from '../../model/errors';

/** Thrown for a side that cannot be read; the message says what was given and what was expected. */
export class DiffInputError extends BatchkitError {
  public readonly name = 'DiffInputError';
  public readonly code: InspectErrorCode = 'DIFF_INPUT_INVALID';
  /** The input must change first. */
  public readonly retryable = false;
}

/** One stack's template on one side. */
export interface SideStack {
  readonly stackName: string;
  /** Where it came from: a file path or `stack NAME in REGION`. */
  readonly source: string;
  readonly template: CfnTemplate;
  /** True when it is one stack of a cloud assembly, false for a lone template file or deployed stack. */
  readonly fromAssembly: boolean;
}

/** A pair of stacks to compare; a side is undefined when the stack exists on the other side only. */
export interface StackPair {
  readonly stackName: string;
  readonly before?: SideStack;
  readonly after?: SideStack;
}

/** Reads a side given as a path: a cloud assembly directory or a template file. */
export function readSide(location: string): SideStack[] {
  if (!fs.existsSync(location)) {
    throw new DiffInputError(`${location} does not exist: expected a cdk.out directory or a template file`);
  }
  if (fs.statSync(location).isDirectory()) {
    try {
      return readCloudAssembly(location).map((stack) => ({ stackName: stack.stackName, source: stack.templatePath, template: stack.template, fromAssembly: true }));
    } catch (err) {
      if (err instanceof CloudAssemblyReadError) throw new DiffInputError(err.message);
      throw err;
    }
  }
  const stackName = path.basename(location).replace(/\.template\.(json|ya?ml)$|\.(json|ya?ml)$/, '');
  return [{ stackName, source: location, template: parseTemplate(fs.readFileSync(location, 'utf8'), location), fromAssembly: false }];
}

/** Reads the template a deployed stack was last updated with. */
export async function readDeployedSide(client: CloudFormationClient, stackName: string, region: string): Promise<SideStack[]> {
  const source = `stack ${stackName} in ${region}`;
  let body: string | undefined;
  try {
    body = (await client.send(new GetTemplateCommand({ StackName: stackName }))).TemplateBody;
  } catch (err) {
    const error = err as { name?: string; message?: string };
    if (error.name === 'ValidationError') throw new DiffInputError(`cannot read the template of ${source}: ${error.message}`);
    throw err;
  }
  return [{ stackName, source, template: parseTemplate(body ?? '', source), fromAssembly: false }];
}

/** Pairs the stacks of two sides by name; `only` keeps one stack name. */
export function pairStacks(before: SideStack[], after: SideStack[], only?: string): StackPair[] {
  if (only !== undefined) {
    return [{ stackName: only, before: pick(before, 'before', only), after: pick(after, 'after', only) }];
  }
  if (before.length === 1 && after.length === 1) {
    return [{ stackName: after[0].stackName, before: before[0], after: after[0] }];
  }
  const lone = [before, after].find((side) => side.length === 1 && !side[0].fromAssembly);
  if (lone) {
    const other = lone === before ? after : before;
    const match = other.find((s) => s.stackName === lone[0].stackName);
    if (!match) throw new DiffInputError(`${lone[0].source} is one template but the other side holds stacks ${list(other)}: pick one with --stack-name`);
    return [lone === before ? { stackName: match.stackName, before: lone[0], after: match } : { stackName: match.stackName, before: match, after: lone[0] }];
  }
  const names = [...new Set([...before, ...after].map((s) => s.stackName))];
  if (!names.some((name) => before.some((s) => s.stackName === name) && after.some((s) => s.stackName === name))) {
    throw new DiffInputError(`no stack name appears on both sides (before: ${list(before)}; after: ${list(after)}): pick the pair with --stack-name`);
  }
  return names.map((name) => ({ stackName: name, before: before.find((s) => s.stackName === name), after: after.find((s) => s.stackName === name) }));
}

// A lone template file or deployed stack stands for whichever stack is asked for.
function pick(side: SideStack[], which: string, stackName: string): SideStack {
  if (side.length === 1 && !side[0].fromAssembly) return side[0];
  const found = side.find((s) => s.stackName === stackName);
  if (!found) throw new DiffInputError(`the ${which} side has no stack named '${stackName}', expected one of: ${list(side)}`);
  return found;
}

function list(side: SideStack[]): string {
  return side.map((s) => s.stackName).join(', ') || 'none';
}

function parseTemplate(text: string, source: string): CfnTemplate {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new DiffInputError(`${source} is not a CloudFormation template: ${(err as Error).message}`);
  }
  const resources = (parsed as { Resources?: unknown } | null)?.Resources;
  if (!parsed || typeof parsed !== 'object' || !resources || typeof resources !== 'object' || Array.isArray(resources)) {
    throw new DiffInputError(`${source} is not a CloudFormation template: expected an object with a Resources section`);
  }
  return parsed as CfnTemplate;
}

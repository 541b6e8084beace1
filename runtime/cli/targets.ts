/**
 * Where a workflow command sends its Batch calls: the local engine in this process (`--local`),
 * a Batch endpoint (`--endpoint`, e.g. a `batchkit local serve`), or AWS Batch with the default
 * credential chain and region. Every target is reached through the SDK's `BatchClient`, so the
 * workflow runtime has one code path; the local engine sits behind its own HTTP server on
 * 127.0.0.1 for that reason, not as a shortcut around the wire protocol.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import type { BatchClient } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LocalBatchEngine, runContainerCli, type LauncherKind } from '../engine';
import { ensurePrivateDir, openPrivateFile, tightenedMessage, writePrivateFile } from '../files/private-files';
import { startBatchServer, type RunningBatchServer } from '../server';
import { loadTemplate, type AssetImageOptions, type LoadedBatchResource, type TemplateFinding } from '../template/load-template';
import {
  ConstructReferenceResolver, createWorkflowBatchClient, DEFAULT_CONNECTION_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, describeTarget, DirectReferenceResolver, ReferenceResolutionError,
  type ReferenceKind, type ReferenceResolver, type RunTarget,
} from '../workflow';
import { CliError, EXIT_WORK_FAILED } from './exit-codes';
import { GPUS_HELP, hostCapacityOf, LAUNCHER_HELP, launcherKindOf, localCapacityOf, MEMORY_HELP, VCPUS_HELP } from './local-flags';

// The local engine's flags live in local-flags.ts; their users import them from here too.
export { GPUS_HELP, hostCapacityOf, LAUNCHER_HELP, launcherKindOf, localCapacityOf, MEMORY_HELP, VCPUS_HELP, type LocalCapacity } from './local-flags';

/** Where the local engine keeps its state unless told otherwise (the same default as `local serve`). */
export const DEFAULT_LOCAL_DATA_DIR = '.batchkit/local';
/** Where run journals go unless told otherwise. */
export const DEFAULT_JOURNAL_DIR = '.batchkit/runs';
/** The lock file a command holding the local engine writes into its data directory. */
export const DATA_DIR_LOCK_FILE = 'batchkit-cli.lock';

/** File, in an engine data directory, holding the SigV4 key of the server its following process runs (0600). */
export const LOCAL_SERVER_KEY_FILE = 'server-key.json';

/** The key of the server a following process runs on `dataDir`, if it wrote one. */
export function localServerKey(dataDir: string): { accessKeyId: string; secretAccessKey: string } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dataDir, LOCAL_SERVER_KEY_FILE), 'utf8')) as { accessKeyId: string; secretAccessKey: string };
  } catch {
    return undefined; // no follower wrote one (an older run, or none is running)
  }
}
/** Credentials for an endpoint that verifies no signatures (`local serve` without keys); the SDK insists on some. */
const LOCAL_CREDENTIALS = { accessKeyId: 'batchkit-local', secretAccessKey: 'batchkit-local' };

/** The target flags every workflow command accepts, as commander parses them. */
export interface TargetFlags {
  /** `--local`: the engine in this process. */
  readonly local?: boolean;
  /** `--template`, repeatable: synthesized templates. */
  readonly template?: string[];
  /** `--data-dir`: the local engine's data directory. */
  readonly dataDir?: string;
  /** `--endpoint`: a Batch-compatible URL. */
  readonly endpoint?: string;
  /** `--region`: the AWS region. */
  readonly region?: string;
  /** `--stack`: the deployed stack resolving `cdk:` references. */
  readonly stack?: string;
  /** `--local-vcpus` (an alias of `--vcpus`), unparsed. */
  readonly localVcpus?: string;
  /** `--local-memory` in MiB (an alias of `--memory`), unparsed. */
  readonly localMemory?: string;
  /** `--vcpus`, unparsed. */
  readonly vcpus?: string;
  /** `--memory` in MiB, unparsed. */
  readonly memory?: string;
  /** `--gpus`, unparsed. */
  readonly gpus?: string;
  /** `--launcher`, unparsed. */
  readonly launcher?: string;
  /** `--request-timeout` in seconds, unparsed. */
  readonly requestTimeout?: string;
}

/** A target as remembered for a run, so later commands on the run need no flags. */
export interface TargetSpec {
  /** `local`: in-process engine on `dataDir`; `endpoint`: a Batch-compatible URL; `aws`: AWS Batch. */
  readonly kind: 'local' | 'endpoint' | 'aws';
  /** Data directory of the local engine (absolute). @default - not local */
  readonly dataDir?: string;
  /** Synthesized templates loaded into the local engine, or used to resolve `cdk:` references (absolute). @default - none */
  readonly templates: readonly string[];
  /** Endpoint URL. @default - AWS's own */
  readonly endpoint?: string;
  /** Region. @default - the SDK's default chain (AWS_REGION, profile) */
  readonly region?: string;
  /** Deployed CloudFormation stack resolving `cdk:` references on AWS. @default - none */
  readonly stack?: string;
  /** vCPUs each local compute environment may use. @default - this host's cores */
  readonly localVcpus?: number;
  /** Memory in MiB each local compute environment may use. @default - this host's memory */
  readonly localMemoryMiB?: number;
  /** GPUs each local compute environment may hand out. @default 0 */
  readonly localGpus?: number;
  /** How the local engine runs jobs: containers, host processes, or auto. @default - `BATCHKIT_LAUNCHER`, else auto */
  readonly launcher?: LauncherKind;
  /** Milliseconds one Batch request may take before it counts as lost (retried, SubmitJob looked up first). @default 30000 */
  readonly requestTimeoutMs?: number;
  /**
   * Keys to sign with at `endpoint`: the key a following process's own server verifies, read
   * from its data directory. Never written to a remembered target.
   * @default - the configured AWS credentials, else placeholder keys
   */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** An opened target: a client for the runtime, how to resolve references, and how to let go of it. */
export interface OpenTarget {
  readonly spec: TargetSpec;
  /** The runtime's client (SDK retries off). */
  readonly client: BatchClient;
  /** Resolves `cdk:` construct references. */
  readonly resolver: ReferenceResolver;
  /** The in-process engine (local targets only). @default - none */
  readonly engine?: LocalBatchEngine;
  /** What loading the templates into the local engine created. */
  readonly loadedResources: readonly LoadedBatchResource[];
  /** What the template loader could not do as CloudFormation would. */
  readonly findings: readonly TemplateFinding[];
  /** Stops the server and the engine (killing jobs it runs) and releases the data directory. */
  close(): Promise<void>;
}

/** Adds the target flags to a command. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--local', 'use the local engine in this process (jobs run as processes on this machine)')
    .option('--template <file>', 'synthesized template: its Batch resources are created in the local engine, and its construct ids resolve `cdk:` references (repeatable)', collect)
    .option('--data-dir <dir>', `data directory of the local engine (default: ${DEFAULT_LOCAL_DATA_DIR})`)
    .option('--endpoint <url>', 'a Batch-compatible endpoint, e.g. the URL `batchkit local serve` prints')
    .option('--region <region>', 'AWS region (default: the SDK chain: AWS_REGION, then the profile)')
    .option('--stack <name>', 'deployed CloudFormation stack that resolves `cdk:` references on AWS')
    .option('--vcpus <n>', VCPUS_HELP)
    .option('--memory <MiB>', MEMORY_HELP)
    .option('--gpus <n>', GPUS_HELP)
    .option('--local-vcpus <n>', 'the same as --vcpus (older name)')
    .option('--local-memory <MiB>', 'the same as --memory (older name)')
    .option('--launcher <kind>', LAUNCHER_HELP)
    .option('--request-timeout <seconds>', `seconds one Batch request may take before it counts as lost and is retried (default: ${DEFAULT_REQUEST_TIMEOUT_MS / 1000})`);
}

/** Whether any flag chose a target (otherwise a remembered one, then AWS, applies). */
export function targetChosen(flags: TargetFlags): boolean {
  return Boolean(flags.local || flags.endpoint || flags.template?.length || flags.dataDir || flags.region || flags.stack);
}

/** Turns flags into a target, checking that they make sense together. */
export function targetSpecOf(flags: TargetFlags): TargetSpec {
  if (flags.local && flags.endpoint) {
    throw new CliError(`--local and --endpoint ${flags.endpoint} exclude each other: --local runs the engine in this process, --endpoint talks to one running elsewhere`);
  }
  if (!flags.local && flags.dataDir) {
    throw new CliError(`--data-dir ${flags.dataDir} applies to the local engine only; add --local`);
  }
  const capacity = localCapacityOf(flags);
  if (!flags.local && Object.values(capacity).some((value) => value !== undefined)) {
    throw new CliError('--vcpus, --memory and --gpus (and --local-vcpus, --local-memory) apply to the local engine only; add --local');
  }
  if (!flags.local && flags.launcher) {
    throw new CliError(`--launcher ${flags.launcher} applies to the local engine only; add --local`);
  }
  if (flags.endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(flags.endpoint)) {
    throw new CliError(`--endpoint must be an http(s) URL such as http://127.0.0.1:8866; got '${flags.endpoint}'`);
  }
  const templates = (flags.template ?? []).map((file) => readableTemplate(file));
  const common = {
    requestTimeoutMs: requestTimeoutOf(flags.requestTimeout),
    templates,
    region: flags.region,
    localVcpus: capacity.vcpus,
    localMemoryMiB: capacity.memoryMiB,
    localGpus: capacity.gpus,
    launcher: launcherKindOf(flags.launcher),
  };
  if (flags.local) {
    return { kind: 'local', dataDir: path.resolve(flags.dataDir ?? DEFAULT_LOCAL_DATA_DIR), ...common };
  }
  if (flags.endpoint) {
    return { kind: 'endpoint', endpoint: flags.endpoint.replace(/\/+$/, ''), ...common };
  }
  return { kind: 'aws', stack: flags.stack, ...common };
}

/**
 * Opens a target: for `local`, the engine on its data directory, the templates loaded, a
 * server on a free port. References are resolved only for `run` (`resolveReferences`): the
 * other commands read resolved names from the journal, and need no deployed stack.
 */
export async function openTarget(spec: TargetSpec, options: { resolveReferences?: boolean } = {}): Promise<OpenTarget> {
  if (spec.kind !== 'local') {
    const client = createWorkflowBatchClient(sdkClientConfig(spec), { requestTimeoutMs: spec.requestTimeoutMs });
    if (spec.kind === 'aws') await requireRegion(client);
    const resolver = options.resolveReferences ? await resolverFor(spec) : new DirectReferenceResolver();
    return { spec, client, resolver, loadedResources: [], findings: [], close: async () => client.destroy() };
  }
  const dataDir = spec.dataDir!;
  const releaseLock = lockDataDir(dataDir);
  let engine: LocalBatchEngine | undefined;
  let server: RunningBatchServer | undefined;
  try {
    engine = await LocalBatchEngine.open({
      dataDir,
      hostCapacity: hostCapacityOf({ vcpus: spec.localVcpus, memoryMiB: spec.localMemoryMiB, gpus: spec.localGpus }),
      launcher: spec.launcher,
    });
    const loaded: LoadedBatchResource[] = [];
    const findings: TemplateFinding[] = [];
    const assetImages = assetImagesFor(engine, (line) => process.stderr.write(`batchkit: ${line}\n`));
    for (const template of spec.templates) {
      const report = await loadTemplate(engine, template, { assetImages });
      loaded.push(...report.resources);
      findings.push(...report.findings);
    }
    const errors = findings.filter((f) => f.level === 'error');
    if (errors.length > 0) {
      const shown = errors.map((f) => `${f.logicalId ?? 'template'}${f.property ? ` ${f.property}` : ''}: ${f.message}`).join('; ');
      throw new CliError(`${errors.length} template resource(s) could not be created in the local engine: ${shown}`, EXIT_WORK_FAILED);
    }
    // A key pair of this open only: no other process on the machine can run commands through the engine's endpoint.
    const credentials = { accessKeyId: `BATCHKIT${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64url') };
    // Other batchkit commands of this user (cancel) reach this engine through its server: they
    // read the key from the private data directory, which no other user can open.
    writePrivateFile(path.join(dataDir, LOCAL_SERVER_KEY_FILE), JSON.stringify(credentials));
    server = await startBatchServer({ api: engine, host: '127.0.0.1', port: 0, sigv4: { credentials: [credentials] } });
    const client = createWorkflowBatchClient({ endpoint: server.url, region: spec.region ?? 'us-east-1', credentials }, { requestTimeoutMs: spec.requestTimeoutMs });
    const openedServer = server;
    const openedEngine = engine;
    return {
      spec, client, engine, loadedResources: loaded, findings,
      resolver: new ConstructReferenceResolver(loaded),
      close: async () => {
        client.destroy();
        await openedServer.close();
        await openedEngine.close();
        releaseLock();
      },
    };
  } catch (err) {
    await server?.close();
    await engine?.close();
    releaseLock();
    throw err;
  }
}

/**
 * How templates' CDK asset images are built: with the docker or podman the engine runs jobs
 * through, in the asset's directory; not at all when jobs run as host processes, which never
 * run an image.
 */
export function assetImagesFor(engine: LocalBatchEngine, progress: (line: string) => void): AssetImageOptions | undefined {
  const cli = engine.containerCli;
  if (!cli) return undefined;
  const run = (args: readonly string[], cwd: string) => runContainerCli({ command: cli.command, spawn: (command, argv, options) => cli.spawn(command, argv, { ...options, cwd }) }, args);
  return { cli: { kind: cli.kind, run }, progress };
}

/**
 * A target spec as the journal records targets: what `resume` and every per-run command compare
 * their own target with. A local run is told by its data directory, not its server, whose port changes.
 */
export function runTargetOf(spec: TargetSpec): RunTarget {
  if (spec.kind === 'local') return { kind: 'local', dataDir: spec.dataDir, region: spec.region };
  return { kind: spec.kind, endpoint: spec.endpoint, region: spec.region };
}

/** What the journal records of an opened target: its kind and data directory, and the endpoint and region its client calls (a local run's server, which `cancel` reaches while the run is followed). */
export async function recordedTargetOf(target: OpenTarget): Promise<RunTarget> {
  const called = await describeTarget(target.client);
  return { ...runTargetOf(target.spec), endpoint: called.endpoint, region: called.region };
}

/** The command line flags that reach `spec` again (for the hints commands print). */
export function targetFlagsText(spec: TargetSpec): string {
  const parts: string[] = [];
  if (spec.kind === 'local') parts.push('--local', `--data-dir ${shellQuote(shortPath(spec.dataDir!))}`);
  if (spec.kind === 'endpoint') parts.push(`--endpoint ${spec.endpoint}`);
  for (const template of spec.templates) parts.push(`--template ${shellQuote(shortPath(template))}`);
  if (spec.region) parts.push(`--region ${spec.region}`);
  if (spec.stack) parts.push(`--stack ${spec.stack}`);
  if (spec.localVcpus) parts.push(`--vcpus ${spec.localVcpus}`);
  if (spec.localMemoryMiB) parts.push(`--memory ${spec.localMemoryMiB}`);
  if (spec.localGpus) parts.push(`--gpus ${spec.localGpus}`);
  if (spec.launcher) parts.push(`--launcher ${spec.launcher}`);
  if (spec.requestTimeoutMs) parts.push(`--request-timeout ${spec.requestTimeoutMs / 1000}`);
  return parts.join(' ');
}

/** Whether a process with this id is alive (EPERM: alive, but someone else's). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Two processes opening one engine data directory would each recover the other's running jobs
 * as interrupted; the lock file refuses the second one. A lock left by a dead process is taken over.
 * The directory is made private first (it holds job environments and logs), and said so on
 * stderr here, so the engine opening it next finds nothing to report.
 */
export function lockDataDir(dataDir: string): () => void {
  ensurePrivateStateDir(dataDir, 'job environments and logs');
  const lockFile = path.join(dataDir, DATA_DIR_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openPrivateFile(lockFile, 'wx');
      try {
        fs.writeSync(fd, String(process.pid));
      } finally {
        fs.closeSync(fd);
      }
      return () => fs.rmSync(lockFile, { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // A full or read-only disk is the user's to fix: said plainly, not as a crash.
        throw typeof code === 'string' ? new CliError(`could not lock the local engine data directory ${dataDir}: ${(err as Error).message}; expected a directory batchkit can write, with free space`) : err;
      }
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isProcessAlive(holder)) {
        throw new CliError(`the local engine data directory ${dataDir} is in use by process ${holder}; wait for it, stop it, or choose another --data-dir`);
      }
      fs.rmSync(lockFile, { force: true });
    }
  }
  throw new CliError(`could not lock the local engine data directory ${dataDir}: another process keeps taking it`);
}

/**
 * Makes a directory of batchkit state private (see `ensurePrivateDir`); an existing one that was
 * open to others is tightened and said so once on stderr, in the CLI's words, before the engine
 * or the journal opens it and would report it as a process warning.
 */
export function ensurePrivateStateDir(dir: string, holds: string): void {
  ensurePrivateDir(dir, (tightened) => process.stderr.write(`batchkit: ${tightenedMessage(tightened, shortPath(dir), holds)}\n`));
}

async function resolverFor(spec: TargetSpec): Promise<ReferenceResolver> {
  if (spec.kind === 'aws' && spec.stack) {
    const cloudFormation = new CloudFormationClient({
      region: spec.region,
      requestHandler: { requestTimeout: spec.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, connectionTimeout: DEFAULT_CONNECTION_TIMEOUT_MS, throwOnRequestTimeout: true },
    });
    try {
      return await ConstructReferenceResolver.fromCloudFormationStack(cloudFormation, spec.stack);
    } catch (err) {
      throw new CliError(`--stack ${spec.stack}: cannot read the deployed stack: ${(err as Error).message}`, EXIT_WORK_FAILED);
    } finally {
      cloudFormation.destroy();
    }
  }
  if (spec.templates.length > 0) {
    return new TemplatesResolver(spec.templates.map((file) => ConstructReferenceResolver.fromTemplateFile(file)));
  }
  return new DirectReferenceResolver();
}

/** Resolves against several templates: exactly one of them must know a `cdk:` reference. */
class TemplatesResolver implements ReferenceResolver {
  constructor(private readonly resolvers: readonly ReferenceResolver[]) {}

  async resolve(kind: ReferenceKind, reference: string): Promise<string> {
    const outcomes = await Promise.allSettled(this.resolvers.map((r) => r.resolve(kind, reference)));
    const found = [...new Set(outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : [])))];
    if (found.length === 1) return found[0];
    if (found.length > 1) {
      throw new ReferenceResolutionError(`${kind} '${reference}' is ambiguous: it names ${found.join(', ')} in different templates; give more of the construct path`);
    }
    throw (outcomes[0] as PromiseRejectedResult).reason;
  }
}

/** Fails early, and readably, where the SDK would fail on the first call with a stack trace. */
async function requireRegion(client: BatchClient): Promise<void> {
  try {
    await client.config.region();
  } catch (err) {
    client.destroy();
    throw new CliError(`no AWS region to send Batch calls to: pass --region, set AWS_REGION, or give the profile a region (${(err as Error).message})`);
  }
}

/**
 * What an AWS SDK client of a remote target is built with: its endpoint, region (us-east-1 for an
 * endpoint that names none) and, for an endpoint with no credentials configured, placeholder keys.
 */
export function sdkClientConfig(spec: TargetSpec): { endpoint?: string; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } {
  if (spec.credentials) return { endpoint: spec.endpoint, region: spec.region ?? 'us-east-1', credentials: spec.credentials };
  return { endpoint: spec.endpoint, region: spec.region ?? (spec.endpoint ? 'us-east-1' : undefined), ...(spec.endpoint && !hasCredentialsConfigured() ? { credentials: LOCAL_CREDENTIALS } : {}) };
}

/** A `local serve` without `--access-key` checks no signature, but the SDK signs anyway and needs some credentials. */
function hasCredentialsConfigured(): boolean {
  return Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
}

function requestTimeoutOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(seconds * 1000 >= 1)) {
    throw new CliError(`--request-timeout must be a number of seconds above 0, such as 30 or 2.5; got '${text}'`);
  }
  return Math.round(seconds * 1000);
}

function readableTemplate(file: string): string {
  const resolved = path.resolve(file);
  try {
    fs.accessSync(resolved, fs.constants.R_OK);
  } catch {
    throw new CliError(`--template ${file}: cannot read the file; expected a synthesized template such as cdk.out/<Stack>.template.json`);
  }
  return resolved;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Relative to the current directory when inside it, absolute otherwise. */
function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function shellQuote(text: string): string {
  return /^[\w./:@=-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * `batchkit local serve`: the local engine behind AWS Batch's wire protocol, with the Batch
 * resources of synthesized CDK templates loaded, until SIGINT or SIGTERM.
 */
import { accessSync, constants } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { containerNeeds, LocalBatchEngine } from '../../engine';
import { DEFAULT_JOIN_JOB_DEFINITION_NAME } from '../../model/join-jobs';
import { normalizeAllowedOrigin, parseAllowedHost, startBatchServer, type RunningBatchServer } from '../../server';
import { loadTemplate, type LoadReport } from '../../template/load-template';
import { describeWatchEvent, watchTemplate, type TemplateWatch } from '../../template/template-watch';
import { ACCESS_KEYS_VARIABLE, readAccessKeys, type ServerAccessKeys } from '../access-keys';
import { CliError, EXIT_USAGE, EXIT_WORK_FAILED } from '../exit-codes';
import { createOutput, formatTable, type Output } from '../output';
import { assetImagesFor, GPUS_HELP, hostCapacityOf, LAUNCHER_HELP, launcherKindOf, localCapacityOf, lockDataDir, MEMORY_HELP, VCPUS_HELP } from '../targets';

/** Options of `batchkit local serve`, as commander parses them. */
export interface LocalServeOptions {
  /** `--port`, as typed. */
  readonly port: string;
  /** `--host`. */
  readonly host: string;
  /** `--template` files. @default - none */
  readonly template?: string[];
  /** `--data-dir`. */
  readonly dataDir: string;
  /** `--access-key` values, `<id>:<secret>`. @default - none */
  readonly accessKey?: string[];
  /** `--access-key-file`: a private file of `<id>:<secret>` lines. @default - none */
  readonly accessKeyFile?: string;
  /** `--insecure-no-auth`: listen beyond this machine without access keys. @default false */
  readonly insecureNoAuth?: boolean;
  /** `--allow-origin` values: origins whose web pages may call the endpoint. @default - none */
  readonly allowOrigin?: string[];
  /** `--allow-host` values: extra names accepted in the `Host` header. @default - none */
  readonly allowHost?: string[];
  /** `--launcher`: container, process or auto. @default - `BATCHKIT_LAUNCHER`, else auto */
  readonly launcher?: string;
  /** `--json`. @default false */
  readonly json?: boolean;
  /** `--region`: the region of every ARN, and the only region requests may be signed for. @default 'us-east-1' */
  readonly region?: string;
  /** `--account-id`: the account of every ARN. @default '123456789012' */
  readonly accountId?: string;
  /** `--vcpus`, unparsed: vCPUs each compute environment may use. @default - this host's cores */
  readonly vcpus?: string;
  /** `--memory` in MiB, unparsed: memory each compute environment may use. @default - this host's memory */
  readonly memory?: string;
  /** `--gpus`, unparsed: GPUs each compute environment may hand out. @default 0 */
  readonly gpus?: string;
  /** `--watch`: apply each new version of the templates as a deploy would. @default false */
  readonly watch?: boolean;
}

/** The line `--json` prints once the server listens. */
export interface LocalServeReady {
  /** URL for `--endpoint-url` and the SDK's `endpoint`. */
  readonly endpoint: string;
  /** Absolute path of the engine's data directory. */
  readonly dataDir: string;
  /** Batch resources loaded from the templates. */
  readonly resources: LoadReport['resources'];
  /** What the templates could not load faithfully. */
  readonly findings: LoadReport['findings'];
  /** `sigv4`: every request must be signed with one of the access keys; `none`: any local process may call the endpoint. */
  readonly authentication: 'sigv4' | 'none';
  /** What runs the jobs and why, e.g. `containers via podman 4.3.1 (launcher auto: podman answered)`. */
  readonly launcher: string;
}

/** The port `local serve` listens on unless told otherwise (not LocalStack's 4566 nor moto's 5000, which people often run too). */
export const DEFAULT_PORT = 8866;

/** Where the engine keeps its state unless told otherwise. */
export const DEFAULT_DATA_DIR = '.batchkit/local';

/** Adds `local serve` (creating the `local` command group if no other command did). */
export function registerLocalServe(program: Command): void {
  const local = program.commands.find((c) => c.name() === 'local')
    ?? program.command('local').description('the local engine: AWS Batch on this machine, jobs as real processes');
  local
    .command('serve')
    .description("run the local engine behind AWS Batch's API, so the AWS CLI and SDKs can use it with an endpoint URL")
    .option('--port <n>', 'TCP port (0 picks a free one)', String(DEFAULT_PORT))
    .option('--host <host>', 'interface to listen on; other machines can reach the engine only if you choose one they can route to', '127.0.0.1')
    .option('--template <file>', 'create the Batch resources of a synthesized template (repeatable)', collect)
    .option('--data-dir <dir>', 'where the engine keeps jobs and resources across restarts', DEFAULT_DATA_DIR)
    .option('--launcher <kind>', LAUNCHER_HELP)
    .option('--vcpus <n>', VCPUS_HELP)
    .option('--memory <MiB>', MEMORY_HELP)
    .option('--gpus <n>', GPUS_HELP)
    .option('--region <region>', 'region of every ARN; requests signed for another region are refused (default: us-east-1)')
    .option('--account-id <id>', 'twelve-digit account of every ARN (default: 123456789012)')
    .option('--access-key-file <file>', `verify SigV4 signatures with the keys of this file: '<id>:<secret>' lines, '#' comments; it must be yours and mode 600 (also: ${ACCESS_KEYS_VARIABLE}=id:secret,...)`)
    .option('--access-key <id:secret>', 'verify SigV4 signatures, accepting this key (repeatable); visible to every local user through ps: prefer --access-key-file', collect)
    .option('--insecure-no-auth', 'allow a --host other machines can reach without access keys: anyone who reaches it can run commands as you')
    .option('--allow-origin <origin>', 'let web pages of this origin (e.g. http://localhost:3000) call the endpoint, with CORS (repeatable); pages are refused otherwise', collect)
    .option('--allow-host <name>', "accept this name (or name:port) in the Host header besides 127.0.0.1, localhost, [::1] and --host (repeatable)", collect)
    .option('--watch', 'when a --template file changes (cdk synth), apply the new version as a deploy would: new job definition revisions, queue and compute environment updates, removals')
    .option('--json', 'print one JSON line {endpoint, dataDir, resources, findings, authentication, launcher} once listening (and with --watch, one per template change)')
    .addHelpText('after', `
Examples:
  $ batchkit local serve --template cdk.out/MyStack.template.json
  $ aws batch submit-job --job-name hello --job-queue MyQueue --job-definition MyJob --endpoint-url http://127.0.0.1:${DEFAULT_PORT}
  $ batchkit local serve --port 0 --json --data-dir /tmp/engine
  $ batchkit local serve --template cdk.out/MyStack.template.json --watch    # then: cdk synth

Who can use it: without access keys, any process on this machine can run commands as you through
the endpoint (start-up says so). Give keys with --access-key-file FILE or ${ACCESS_KEYS_VARIABLE}=id:secret
and sign requests with them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). A --host other machines can reach
needs keys, or --insecure-no-auth. Web pages are refused (a request with Origin, Sec-Fetch-Site
cross-site or same-site, a Host that does not name this server, a change not sent as JSON) unless
--allow-origin / --allow-host allow them.

Stops cleanly on SIGINT (Ctrl-C) or SIGTERM.
Exit codes: 0 stopped by a signal, 1 a template resource could not be created, 2 bad usage.`)
    .action((options: LocalServeOptions) => serveUntilSignal(options, createOutput({ json: options.json })));
}

/** Starts everything, waits for SIGINT/SIGTERM, then closes the server and the engine. */
export async function serveUntilSignal(options: LocalServeOptions, output: Output): Promise<void> {
  const port = parsePort(options.port);
  const keys = readAccessKeys({ flags: options.accessKey ?? [], file: options.accessKeyFile, env: process.env });
  const sigv4 = keys.credentials.length > 0 ? { credentials: keys.credentials } : undefined;
  checkExposure(options.host, keys, options.insecureNoAuth === true);
  const allowedOrigins = checkAllowed('--allow-origin', options.allowOrigin ?? [], normalizeAllowedOrigin);
  const allowedHosts = checkAllowed('--allow-host', options.allowHost ?? [], parseAllowedHost);
  keys.warnings.forEach((warning) => output.warn(`${output.style.yellow('warning')}: ${warning}`));
  const templates = (options.template ?? []).map((file) => checkReadable(file));
  if (options.watch && templates.length === 0) {
    throw new CliError('--watch needs a template to watch; got no --template file', EXIT_USAGE);
  }
  const launcher = launcherKindOf(options.launcher);
  const hostCapacity = hostCapacityOf(localCapacityOf(options));
  const dataDir = resolve(options.dataDir);
  // Listen for signals before anything is announced, so a signal sent as soon as the endpoint
  // is printed (or during start-up) still stops cleanly instead of killing the process.
  const stopSignal = waitForStopSignal();
  let engine: LocalBatchEngine | undefined;
  let server: RunningBatchServer | undefined;
  const watches: TemplateWatch[] = [];
  let unlock: (() => void) | undefined;
  try {
    // The same lock `run --local` takes: two engines on one data directory would each end the
    // other's running jobs as interrupted.
    unlock = lockDataDir(dataDir);
    engine = await LocalBatchEngine.open({ dataDir, launcher, hostCapacity, region: options.region, accountId: options.accountId });
    output.info(`jobs run as ${engine.launcherDescription}`);
    const reports: LoadReport[] = [];
    const assetImages = assetImagesFor(engine, (line) => output.info(line));
    for (const template of templates) {
      reports.push(await loadTemplate(engine, template, { assetImages, region: engine.scope.region, accountId: engine.scope.accountId }));
    }
    const resources = reports.flatMap((r) => r.resources);
    const findings = reports.flatMap((r) => r.findings);
    printFindings(findings, output);
    const errors = findings.filter((f) => f.level === 'error');
    if (errors.length > 0) {
      throw new CliError(`${errors.length} template resource(s) could not be created; fix the template or the data directory and run again`, EXIT_WORK_FAILED);
    }
    server = await startBatchServer({ api: engine, host: options.host, port, sigv4, allowedOrigins, allowedHosts }).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' ? new CliError(`cannot listen on ${options.host} port ${port}: the address is in use; choose another with --port (0 picks a free one)`, EXIT_USAGE) : err;
    });
    warnUnauthenticated(options.host, server.port, keys, output);
    if (options.json) {
      const ready: LocalServeReady = { endpoint: server.url, dataDir, resources, findings, authentication: sigv4 ? 'sigv4' : 'none', launcher: engine.launcherDescription };
      output.stdout.write(`${JSON.stringify(ready)}\n`);
    } else {
      printReady(server.url, dataDir, keys, reports, await exampleSubmission(engine, reports), output);
    }
    if (options.watch) {
      for (const [index, template] of templates.entries()) {
        watches.push(await watchTemplate({
          api: engine, scope: engine.scope, path: template, loaded: reports[index].resources, assetImages,
          report: (event) => (options.json ? output.stdout.write(`${JSON.stringify({ templateChange: event })}\n`) : describeWatchEvent(event).forEach((line) => output.info(line))),
        }));
      }
      output.info(`watching ${templates.length} template(s): each change is applied as a deploy would apply it`);
    }
    await stopSignal.received;
    output.info('stopping: closing the server and the engine');
  } finally {
    stopSignal.dispose();
    await Promise.all(watches.map((watch) => watch.close()));
    await server?.close();
    await engine?.close();
    unlock?.();
  }
}

function printReady(url: string, dataDir: string, keys: ServerAccessKeys, reports: LoadReport[], example: ExampleSubmission, output: Output): void {
  const { bold, cyan, dim } = output.style;
  output.info(`${bold('batchkit local engine')} listening on ${cyan(url)} ${dim(`(data in ${dataDir})`)}`);
  if (keys.credentials.length > 0) {
    output.info(`requests are authenticated: SigV4 signatures by ${keys.credentials.length} access key(s) from ${keys.sources.join(', ')}`);
  }
  const resources = reports.flatMap((r) => r.resources);
  if (resources.length > 0) {
    const rows = resources.map((r) => [r.type.replace('AWS::Batch::', ''), r.name, r.constructPath ?? r.logicalId, r.status]);
    for (const line of formatTable(['type', 'name', 'construct', 'status'], rows)) output.plain(line);
  }
  const { queue, definition } = example;
  output.plain('');
  if (!example.runnable) {
    output.plain(dim('No job definition of these templates fits a queue on this machine as registered: override its resourceRequirements with --container-overrides.'));
  }
  output.plain(`Try: aws batch submit-job --job-name hello --job-queue ${queue} --job-definition ${definition} --endpoint-url ${url}`);
  output.plain(`     aws batch list-jobs --job-queue ${queue} --job-status SUCCEEDED --endpoint-url ${url}`);
  output.plain(dim('Press Ctrl-C to stop.'));
}

/** The queue and job definition the start-up hint suggests, and whether such a job can run here. */
interface ExampleSubmission {
  readonly queue: string;
  readonly definition: string;
  readonly runnable: boolean;
}

/**
 * The smallest job definition (vCPUs, then memory) that one of the loaded queues can run on this
 * machine; the workflow join job's definition is left out (it runs `true` for the runtime).
 */
async function exampleSubmission(engine: LocalBatchEngine, reports: LoadReport[]): Promise<ExampleSubmission> {
  const resources = reports.flatMap((r) => r.resources);
  const queues = resources.filter((r) => r.type === 'AWS::Batch::JobQueue').map((r) => r.name);
  const sized = await Promise.all(resources.filter((r) => r.type === 'AWS::Batch::JobDefinition' && r.name !== DEFAULT_JOIN_JOB_DEFINITION_NAME).map(async (r) => {
    const container = (await engine.describeJobDefinitions({ jobDefinitionName: r.name, status: 'ACTIVE' })).jobDefinitions?.[0]?.containerProperties;
    return { name: r.name, needs: container ? containerNeeds(container) : { milliVcpus: Infinity, memoryMiB: Infinity } };
  }));
  const definitions = sized.sort((a, b) => a.needs.milliVcpus - b.needs.milliVcpus || a.needs.memoryMiB - b.needs.memoryMiB).map((d) => d.name);
  for (const definition of definitions) {
    const queue = queues.find((q) => engine.canEverRun(q, definition));
    if (queue) {
      return { queue, definition, runnable: true };
    }
  }
  return { queue: queues[0] ?? '<queue>', definition: definitions[0] ?? '<job definition>', runnable: queues.length === 0 || definitions.length === 0 };
}

function printFindings(findings: LoadReport['findings'], output: Output): void {
  for (const f of findings) {
    const where = [f.logicalId, f.property].filter(Boolean).join(' ');
    const label = f.level === 'error' ? output.style.red('error') : output.style.yellow('warning');
    output.warn(`${label}: ${where ? `${where}: ` : ''}${f.message}`);
  }
}

/** `received` resolves on the first SIGINT or SIGTERM; `dispose` stops listening for them. */
function waitForStopSignal(): { received: Promise<void>; dispose(): void } {
  let stop = (): void => undefined;
  const received = new Promise<void>((resolveStop) => {
    stop = resolveStop;
  });
  const dispose = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { received, dispose };
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new CliError(`--port must be a whole number from 0 to 65535; got '${text}'`, EXIT_USAGE);
  }
  return port;
}

/**
 * The endpoint runs commands as this user: without keys, only processes of this machine may
 * reach it, unless the user accepts more with --insecure-no-auth.
 */
function checkExposure(host: string, keys: ServerAccessKeys, insecureNoAuth: boolean): void {
  if (keys.credentials.length > 0 || isLoopback(host) || insecureNoAuth) return;
  throw new CliError(`--host ${host} lets other machines reach the endpoint, and without access keys anyone who reaches it can run commands as ${userName()}; `
    + `give keys with --access-key-file FILE or ${ACCESS_KEYS_VARIABLE}=id:secret, or pass --insecure-no-auth to accept that`, EXIT_USAGE);
}

function warnUnauthenticated(host: string, port: number, keys: ServerAccessKeys, output: Output): void {
  if (keys.credentials.length > 0) return;
  if (!isLoopback(host)) {
    output.warn(output.style.red(`WARNING: --insecure-no-auth: listening on ${host} port ${port} without authentication: anyone who can reach this machine can run commands as ${userName()} through this endpoint`));
    return;
  }
  output.warn(`${output.style.yellow('warning')}: requests are not authenticated: any process on this machine can run commands as ${userName()} through this endpoint; `
    + `turn on SigV4 with --access-key-file FILE or ${ACCESS_KEYS_VARIABLE}`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function userName(): string {
  try {
    return userInfo().username;
  } catch {
    // A uid with no passwd entry (some containers) has no name.
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Checks each value of a repeatable flag up front, so a typo fails before the engine opens. */
function checkAllowed(flag: string, values: string[], check: (value: string) => unknown): string[] {
  for (const value of values) {
    try {
      check(value);
    } catch (err) {
      throw new CliError(`${flag} ${value}: ${(err as Error).message}`, EXIT_USAGE);
    }
  }
  return values;
}

function checkReadable(file: string): string {
  const path = resolve(file);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new CliError(`--template ${file}: cannot read the file; expected a synthesized template such as cdk.out/<Stack>.template.json`, EXIT_USAGE);
  }
  return path;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

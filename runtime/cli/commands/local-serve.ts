/**
 * `batchkit local serve`: the local engine behind AWS Batch's wire protocol, with the Batch
 * resources of synthesized CDK templates loaded, until SIGINT or SIGTERM.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { LocalBatchEngine } from '../../engine/engine';
import { containerNeeds } from '../../engine/job-container';
import { DEFAULT_JOIN_JOB_DEFINITION_NAME } from '../../model/join-jobs';
import { startBatchServer, type RunningBatchServer, type SigV4Options } from '../../server/server';
import { loadTemplate, TemplateReadError, type LoadReport } from '../../template/load-template';
import { CliError, EXIT_USAGE, EXIT_WORK_FAILED } from '../exit-codes';
import { createOutput, formatTable, type Output } from '../output';
import { lockDataDir } from '../targets';

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
  /** `--access-key` values, `<id>:<secret>`. @default - none: SigV4 verification off */
  readonly accessKey?: string[];
  /** `--json`. @default false */
  readonly json?: boolean;
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
    .option('--access-key <id:secret>', 'verify SigV4 signatures, accepting this key (repeatable); off by default', collect)
    .option('--json', 'print one JSON line {endpoint, dataDir, resources, findings} once listening')
    .addHelpText('after', `
Examples:
  $ batchkit local serve --template cdk.out/MyStack.template.json
  $ aws batch submit-job --job-name hello --job-queue MyQueue --job-definition MyJob --endpoint-url http://127.0.0.1:${DEFAULT_PORT}
  $ batchkit local serve --port 0 --json --data-dir /tmp/engine

Stops cleanly on SIGINT (Ctrl-C) or SIGTERM.
Exit codes: 0 stopped by a signal, 1 a template resource could not be created, 2 bad usage.`)
    .action((options: LocalServeOptions) => serveUntilSignal(options, createOutput({ json: options.json })));
}

/** Starts everything, waits for SIGINT/SIGTERM, then closes the server and the engine. */
export async function serveUntilSignal(options: LocalServeOptions, output: Output): Promise<void> {
  const port = parsePort(options.port);
  const sigv4 = parseAccessKeys(options.accessKey ?? []);
  const templates = (options.template ?? []).map((file) => checkReadable(file));
  const dataDir = resolve(options.dataDir);
  // Listen for signals before anything is announced, so a signal sent as soon as the endpoint
  // is printed (or during start-up) still stops cleanly instead of killing the process.
  const stopSignal = waitForStopSignal();
  let engine: LocalBatchEngine | undefined;
  let server: RunningBatchServer | undefined;
  let unlock: (() => void) | undefined;
  try {
    // The same lock `run --local` takes: two engines on one data directory would each end the
    // other's running jobs as interrupted.
    unlock = lockDataDir(dataDir);
    engine = await LocalBatchEngine.open({ dataDir });
    const reports: LoadReport[] = [];
    for (const template of templates) {
      reports.push(await loadTemplate(engine, template).catch((err: unknown) => {
        throw err instanceof TemplateReadError ? new CliError(err.message, EXIT_USAGE) : err;
      }));
    }
    const resources = reports.flatMap((r) => r.resources);
    const findings = reports.flatMap((r) => r.findings);
    printFindings(findings, output);
    const errors = findings.filter((f) => f.level === 'error');
    if (errors.length > 0) {
      throw new CliError(`${errors.length} template resource(s) could not be created; fix the template or the data directory and run again`, EXIT_WORK_FAILED);
    }
    server = await startBatchServer({ api: engine, host: options.host, port, sigv4 });
    if (options.json) {
      const ready: LocalServeReady = { endpoint: server.url, dataDir, resources, findings };
      output.stdout.write(`${JSON.stringify(ready)}\n`);
    } else {
      printReady(server.url, dataDir, reports, await exampleSubmission(engine, reports), output);
    }
    await stopSignal.received;
    output.info('stopping: closing the server and the engine');
  } finally {
    stopSignal.dispose();
    await server?.close();
    await engine?.close();
    unlock?.();
  }
}

function printReady(url: string, dataDir: string, reports: LoadReport[], example: ExampleSubmission, output: Output): void {
  const { bold, cyan, dim } = output.style;
  output.info(`${bold('batchkit local engine')} listening on ${cyan(url)} ${dim(`(data in ${dataDir})`)}`);
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

function parseAccessKeys(keys: string[]): SigV4Options | undefined {
  if (keys.length === 0) return undefined;
  const credentials = keys.map((key) => {
    const colon = key.indexOf(':');
    if (colon <= 0 || colon === key.length - 1) {
      throw new CliError(`--access-key must be '<access key id>:<secret access key>'; got '${key.replace(/:.*/, ':...')}'`, EXIT_USAGE);
    }
    return { accessKeyId: key.slice(0, colon), secretAccessKey: key.slice(colon + 1) };
  });
  return { credentials };
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

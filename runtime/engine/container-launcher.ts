/**
 * Runs each job attempt as a container through the docker or podman CLI, with Batch's semantics:
 * the image (pulled when missing), its ENTRYPOINT and, without a command, its CMD; the job's
 * variables only; vCPU, memory and GPU limits; volumes; and the reasons ECS gives when an image
 * cannot be pulled, a container cannot start, or the memory limit kills it.
 *
 * An attempt is one attached `run` (not `--rm`) with stdout and stderr on the attempt's log file, so
 * its exit code is the container's, and an `inspect` only when that code is ambiguous. The ended
 * container is removed off the attempt's critical path: names queue up and one `rm` at a time
 * removes all those queued; `close()` waits for it. Containers carry the engine's label, so a
 * restarted engine removes what a crashed one left running.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createPrivateDirs, createPrivateFileIfMissing, openPrivateFile } from '../files/private-files';
import { containerRunArgs } from './container-args';
import { cliFailure, ContainerCli, ContainerCliSearch, findContainerCli, runContainerCli } from './container-cli';
import { containerExit, InspectedState, KernelLogReader, readKmsg } from './container-exit';
import { JobNetworks } from './container-network';
import type { ContainerLaunchSpec } from './container-spec';
import { EngineConfigurationError } from './errors';
import type { LaunchedProcess, LaunchRequest, ProcessExit, ProcessLauncher } from './launcher';

/** How containers run, beyond what each job definition says. */
export interface ContainerLauncherOptions {
  /**
   * Network of single-node jobs: `default` is the runtime's default network (jobs can call out),
   * `none` gives them no network at all. Multi-node jobs always get a network of their own; with
   * `none` it is internal (the nodes reach each other, nothing else).
   * @default 'default'
   */
  readonly network?: 'default' | 'none';
  /**
   * Passes this process's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
   * `AWS_REGION` and `AWS_DEFAULT_REGION` (those set) to every container. The job definition's
   * `jobRoleArn` is never assumed.
   * @default false: containers get no AWS credentials
   */
  readonly passAwsCredentials?: boolean;
  /** Reads the kernel log, consulted when the runtime does not report an OOM kill itself. @default - `/dev/kmsg` */
  readonly readKernelLog?: KernelLogReader;
}

/** Variables `passAwsCredentials` copies from this process. */
export const AWS_CREDENTIAL_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION'] as const;

/** Where podman looks for Container Device Interface specs (the NVIDIA toolkit writes `nvidia.com/gpu` there). */
const CDI_SPEC_DIRS = ['/etc/cdi', '/var/run/cdi'];
/**
 * How often, and how many times, a signal is retried while a just-started container is not running
 * yet. Tries before the container exists (`run` still creating it) do not count: they are retried
 * for as long as `run` lasts.
 */
const SIGNAL_RETRY_MS = 200;
const SIGNAL_RETRIES = 25;
/**
 * Exit codes of an attached `run` that need an `inspect`: 125-127 may be the runtime's own (the
 * container never started), 137 may be an OOM kill. Any other is the container's own. Docker and
 * podman give `run` the same codes.
 */
const CODES_TO_INSPECT = [125, 126, 127, 137];
/** How long `close()` waits for attempts to finish after removing their containers. */
const CLOSE_WAIT_MS = 10_000;
/** The file, in the attempt's work dir, where `run` writes the container's id once it exists. */
const CID_FILE = 'container.cid';

interface ContainerRun {
  readonly name: string;
  /** Where `run` writes the container's id: set once `run` is about to be spawned. */
  cidFile?: string;
  /**
   * `started`: `run` was spawned (the container may not exist yet); `exited`: `run` returned, the
   * attempt is being wrapped up (inspect when needed).
   */
  phase: 'preparing' | 'started' | 'exited' | 'ended';
  pendingSignal?: 'SIGTERM' | 'SIGKILL';
  done?: Promise<unknown>;
  /** Settles once the container's queued `rm` has run. */
  removed?: Promise<void>;
}

/** How an attached `run` ended: its exit code, or why it could not be spawned. */
interface RunOutcome {
  readonly code?: number;
  readonly spawnError?: string;
}

/**
 * Removes ended containers in batches, off the attempts' critical path: one `rm` at a time, of
 * every name queued while the previous one ran, so a burst of short jobs costs a few `rm`s.
 */
class ContainerRemovals {
  private queued: { readonly name: string; readonly removed: () => void }[] = [];
  private draining?: Promise<void>;

  constructor(private readonly remove: (names: string[]) => Promise<unknown>) {}

  /** Queues a container; resolves once an `rm` naming it has run. */
  public add(name: string): Promise<void> {
    const removed = new Promise<void>((resolve) => this.queued.push({ name, removed: resolve }));
    this.draining ??= this.drain();
    return removed;
  }

  /** Resolves once nothing is queued or being removed. */
  public async settled(): Promise<void> {
    while (this.draining) {
      await this.draining;
    }
  }

  private async drain(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0);
      await this.remove(batch.map((entry) => entry.name));
      batch.forEach((entry) => entry.removed());
    }
    this.draining = undefined;
  }
}

/** Starts attempts as docker or podman containers. */
export class ContainerLauncher implements ProcessLauncher {
  /**
   * A launcher on the first CLI that answers (see `findContainerCli`).
   * @throws EngineConfigurationError naming each CLI tried and why it did not answer
   */
  public static async detect(options: ContainerLauncherOptions & ContainerCliSearch = {}): Promise<ContainerLauncher> {
    const found = await findContainerCli(options);
    if ('failures' in found) {
      throw new EngineConfigurationError(`no working container runtime: ${found.failures.join('; ')}; expected docker or podman answering \`version\` (BATCHKIT_CONTAINER_CLI names another)`);
    }
    return new ContainerLauncher(found.cli, options);
  }

  /** Always true: requests carry `container`, the image's ENTRYPOINT and CMD apply. */
  public readonly runsContainers = true;
  private readonly runs = new Map<string, ContainerRun>();
  private readonly images = new Map<string, Promise<string | undefined>>();
  private readonly networks: JobNetworks;
  private readonly extraEnvironment: Record<string, string> = {};
  private readonly readKernelLog: KernelLogReader;
  private readonly removals: ContainerRemovals;
  private closed = false;

  constructor(public readonly cli: ContainerCli, private readonly options: ContainerLauncherOptions = {}) {
    this.networks = new JobNetworks(cli, options.network === 'none');
    this.readKernelLog = options.readKernelLog ?? readKmsg;
    this.removals = new ContainerRemovals((names) => runContainerCli(this.cli, ['rm', ...this.forceRemoveArgs(), ...names]));
    for (const name of options.passAwsCredentials ? AWS_CREDENTIAL_VARIABLES : []) {
      if (process.env[name] !== undefined) {
        this.extraEnvironment[name] = process.env[name]!;
      }
    }
  }

  /** One line for start-up messages: which runtime, which version. */
  public get description(): string {
    const named = path.basename(this.cli.command) === this.cli.kind ? this.cli.kind : `${this.cli.command} (${this.cli.kind})`;
    return `containers via ${named} ${this.cli.version}`;
  }

  /** Runs the container; reports pull, create and start failures through `exited`. */
  public launch(request: LaunchRequest): LaunchedProcess {
    let settleStarted: (started: boolean) => void = () => undefined;
    const started = new Promise<boolean>((resolve) => (settleStarted = resolve));
    const spec = request.container;
    if (!spec) {
      settleStarted(false);
      return {
        started,
        exited: Promise.resolve({ startError: 'CannotStartContainerError: the container launcher was given no container settings (request.container)' }),
        signal: () => undefined,
      };
    }
    const run: ContainerRun = { name: spec.name, phase: 'preparing' };
    this.runs.set(run.name, run);
    const exited = this.runAttempt(request, spec, run, () => {
      run.phase = 'started';
      settleStarted(true);
      if (run.pendingSignal) {
        this.deliver(run, run.pendingSignal, 0);
      }
    }).catch((error: Error): ProcessExit => ({ startError: `CannotStartContainerError: ${error.message}` })).then((exit) => {
      run.phase = 'ended';
      this.runs.delete(run.name);
      settleStarted(false);
      return exit;
    });
    run.done = exited;
    return {
      started,
      exited,
      signal: (signal) => this.signal(run, signal),
      privateAddress: () => this.addressOf(run, spec),
    };
  }

  /** Removes the containers and networks labelled with this engine id (left by an engine that crashed). */
  public async cleanupOrphans(engineId: string): Promise<void> {
    const label = `label=batchkit.engine=${engineId}`;
    const containers = await runContainerCli(this.cli, ['ps', '-a', '--filter', label, '--format', '{{.Names}}']);
    const names = lines(containers.stdout);
    if (names.length > 0) {
      await runContainerCli(this.cli, ['rm', ...this.forceRemoveArgs(), ...names]);
    }
    const networks = await runContainerCli(this.cli, ['network', 'ls', '--filter', label, '--format', '{{.Name}}']);
    for (const network of lines(networks.stdout)) {
      await runContainerCli(this.cli, ['network', 'rm', network]);
    }
  }

  /**
   * Removes every container this launcher still runs, waits for their attempts to end and for the
   * queued removals, and removes their networks.
   */
  public async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.runs.values()];
    const running = runs.filter((run) => run.phase === 'started');
    // Taken before the `rm`: a container created after this look may have missed it.
    const notCreatedYet = running.filter((run) => !containerExists(run));
    if (running.length > 0) {
      await runContainerCli(this.cli, ['rm', ...this.forceRemoveArgs(), ...running.map((run) => run.name)]);
    }
    for (const run of notCreatedYet) {
      this.deliver(run, 'SIGKILL', 0);
    }
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(runs.map((run) => run.done)), new Promise((resolve) => (giveUp = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(giveUp);
    await this.removals.settled();
    await this.networks.settled();
  }

  private async runAttempt(request: LaunchRequest, spec: ContainerLaunchSpec, run: ContainerRun, onStarted: () => void): Promise<ProcessExit> {
    createPrivateDirs(request.workDir);
    createPrivateFileIfMissing(request.logFile);
    for (const mount of spec.mounts) {
      if (!fs.existsSync(mount.hostPath)) {
        fs.mkdirSync(mount.hostPath, { recursive: true });
      }
    }
    const pullFailure = await this.ensureImage(spec.image);
    if (pullFailure) {
      return this.failed(request, `CannotPullContainerError: ${pullFailure}`);
    }
    const gpuRefusal = spec.gpus > 0 ? this.gpuRefusal(spec.gpus) : undefined;
    if (gpuRefusal) {
      return this.failed(request, `CannotStartContainerError: ${gpuRefusal}`);
    }
    const network = spec.jobNetwork;
    if (network) {
      const networkFailure = await this.networks.acquire(network, { 'batchkit.engine': spec.labels['batchkit.engine'] });
      if (networkFailure) {
        await this.networks.release(network);
        return this.failed(request, `CannotStartContainerError: ${networkFailure}`);
      }
    }
    try {
      return await this.runContainer(request, spec, run, onStarted);
    } finally {
      if (network) {
        // The runtime refuses to remove a network a container (even a stopped one) is attached to.
        await run.removed;
        await this.networks.release(network);
      }
    }
  }

  private async runContainer(request: LaunchRequest, spec: ContainerLaunchSpec, run: ContainerRun, onStarted: () => void): Promise<ProcessExit> {
    if (run.pendingSignal || this.closed) {
      return stoppedBeforeStart(run);
    }
    const cidFile = path.join(request.workDir, CID_FILE);
    // Docker's `run` refuses a cidfile that exists.
    fs.rmSync(cidFile, { force: true });
    const args = containerRunArgs(request, spec, {
      cliKind: this.cli.kind,
      network: this.options.network ?? 'default',
      extraEnvironment: this.extraEnvironment,
    }, cidFile);
    run.cidFile = cidFile;
    const logOffset = fs.statSync(request.logFile).size;
    try {
      const outcome = await this.runAttached(args, request.logFile, onStarted);
      run.phase = 'exited';
      const id = containerIdIn(cidFile);
      if (id === undefined) {
        const gpus = spec.gpus > 0 ? ` (the job asks for ${spec.gpus} GPUs: is the NVIDIA container toolkit installed?)` : '';
        const fallback = outcome.spawnError ?? 'the container runtime could not create the container';
        return this.failed(request, `CannotCreateContainerError: ${runtimeErrorIn(request.logFile, logOffset, fallback)}${gpus}`);
      }
      if (outcome.code !== undefined && !CODES_TO_INSPECT.includes(outcome.code)) {
        return { exitCode: outcome.code };
      }
      const inspected = await runContainerCli(this.cli, ['inspect', '--format', '{{json .State}}', run.name]);
      return containerExit({
        id,
        state: inspected.code === 0 ? (JSON.parse(inspected.stdout) as InspectedState) : undefined,
        attachExitCode: outcome.code,
        startFailure: () => runtimeErrorIn(request.logFile, logOffset, 'the container runtime could not start the container'),
      }, this.readKernelLog);
    } finally {
      run.phase = 'exited';
      fs.rmSync(cidFile, { force: true });
      run.removed = this.removals.add(run.name);
    }
  }

  /** Runs the attached `run` with stdout and stderr on the log file; resolves to its exit code (the container's when it ran). */
  private runAttached(args: string[], logFile: string, onStarted: () => void): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const logFd = openPrivateFile(logFile, 'a');
      try {
        // Its own process group, so Ctrl-C at the terminal reaches the command, not the attached container.
        // In the log's (private) directory: podman's conmon leaves an empty `oom` file in its working
        // directory when the container is killed for memory, which must not land in the user's.
        const child = this.cli.spawn(this.cli.command, args, { stdio: ['ignore', logFd, logFd], detached: true, cwd: path.dirname(logFile) });
        child.once('spawn', onStarted);
        child.once('error', (error) => resolve({ spawnError: error.message }));
        child.once('exit', (code) => resolve({ code: code ?? undefined }));
      } finally {
        fs.closeSync(logFd);
      }
    });
  }

  /** Looks the image up locally, pulls it if missing; resolves to the runtime's message when the pull failed. */
  private ensureImage(image: string): Promise<string | undefined> {
    let pending = this.images.get(image);
    if (!pending) {
      pending = (async () => {
        const present = await runContainerCli(this.cli, ['image', 'inspect', '--format', '{{.Id}}', image]);
        if (present.code === 0) {
          return undefined;
        }
        const pulled = await runContainerCli(this.cli, ['pull', image]);
        return pulled.code === 0 ? undefined : cliFailure(pulled);
      })();
      this.images.set(image, pending);
      // A failed pull is not remembered: the retry pulls again, as ECS would.
      void pending.then((failure) => failure && this.images.delete(image));
    }
    return pending;
  }

  /** Podman reaches GPUs through CDI only: without an NVIDIA CDI spec the job is refused up front. */
  private gpuRefusal(gpus: number): string | undefined {
    if (this.cli.kind !== 'podman') {
      return undefined;
    }
    const hasSpec = CDI_SPEC_DIRS.some((dir) => {
      try {
        return fs.readdirSync(dir).some((file) => fs.readFileSync(path.join(dir, file), 'utf8').includes('nvidia.com/gpu'));
      } catch {
        return false;
      }
    });
    return hasSpec ? undefined
      : `the job asks for ${gpus} GPUs but podman has no CDI spec for nvidia.com/gpu in ${CDI_SPEC_DIRS.join(' or ')}: install the NVIDIA container toolkit and run \`nvidia-ctk cdi generate\``;
  }

  private signal(run: ContainerRun, signal: 'SIGTERM' | 'SIGKILL'): void {
    if (run.phase === 'exited' || run.phase === 'ended') {
      return;
    }
    if (run.phase !== 'started') {
      run.pendingSignal = run.pendingSignal === 'SIGKILL' ? 'SIGKILL' : signal;
      return;
    }
    this.deliver(run, signal, 0);
  }

  /**
   * `kill` refuses a container that does not exist yet (`run` is creating it) or is not running
   * yet: retried while `run` lasts, for a few seconds once the container exists.
   */
  private deliver(run: ContainerRun, signal: 'SIGTERM' | 'SIGKILL', attempt: number): void {
    void runContainerCli(this.cli, ['kill', '--signal', signal.slice(3), run.name]).then((result) => {
      const tries = containerExists(run) ? attempt + 1 : attempt;
      if (result.code !== 0 && run.phase === 'started' && tries <= SIGNAL_RETRIES) {
        setTimeout(() => this.deliver(run, signal, tries), SIGNAL_RETRY_MS);
      }
    });
  }

  /**
   * The container's address on its job network, polled until the runtime has assigned it or the
   * container ended; polls before the container exists do not count.
   */
  private async addressOf(run: ContainerRun, spec: ContainerLaunchSpec): Promise<string | undefined> {
    for (let attempt = 0; attempt < 50 && run.phase === 'started'; attempt += containerExists(run) ? 1 : 0) {
      const inspected = await runContainerCli(this.cli, ['inspect', '--format', '{{json .NetworkSettings.Networks}}', run.name]);
      if (inspected.code === 0) {
        const networks = JSON.parse(inspected.stdout || '{}') as Record<string, { IPAddress?: string }> | null;
        const address = (spec.jobNetwork ? networks?.[spec.jobNetwork]?.IPAddress : undefined)
          ?? Object.values(networks ?? {}).map((network) => network.IPAddress).find(Boolean);
        if (address) {
          return address;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  private forceRemoveArgs(): string[] {
    // Podman's `rm -f` would first wait 10 s for SIGTERM to work; Docker's kills at once. Podman's
    // `rm -f` given one name it does not know removes none of the others (and exits 0): `--ignore`.
    return this.cli.kind === 'podman' ? ['-f', '-t', '0', '--ignore'] : ['-f'];
  }

  private failed(request: LaunchRequest, reason: string): ProcessExit {
    fs.appendFileSync(request.logFile, `batchkit: ${reason}\n`);
    return { startError: reason };
  }
}

/** A stop (timeout, terminate, engine close) that came before the container started: it never runs. */
function stoppedBeforeStart(run: ContainerRun): ProcessExit {
  return { exitCode: run.pendingSignal === 'SIGTERM' ? 143 : 137 };
}

/** Whether `run` has created the container: the runtime writes the cidfile once it exists. */
function containerExists(run: ContainerRun): boolean {
  return run.cidFile !== undefined && containerIdIn(run.cidFile) !== undefined;
}

/** The container id `run` wrote, if it created the container. */
function containerIdIn(cidFile: string): string | undefined {
  try {
    return fs.readFileSync(cidFile, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The runtime's message about a create or start that failed, from what it wrote to the attempt's
 * log after `offset`: its last error line (podman's `Error: ...`, docker's `docker: Error response
 * from daemon: ...`), else `fallback`.
 */
function runtimeErrorIn(logFile: string, offset: number, fallback: string): string {
  const written = fs.readFileSync(logFile).subarray(offset).toString('utf8');
  const errors = lines(written).map((line) => RUNTIME_ERROR_LINE.exec(line)).filter((match) => match !== null);
  return errors.length > 0 ? errors[errors.length - 1]![1] : fallback;
}

const RUNTIME_ERROR_LINE = /^(?:docker: )?Error(?: response from daemon)?: (.*)$/;

function lines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter(Boolean);
}

/**
 * Runs each job attempt as a container through the docker or podman CLI, with Batch's semantics:
 * the image (pulled when missing), its ENTRYPOINT and, without a command, its CMD; the job's
 * variables only; vCPU, memory and GPU limits; volumes; and the reasons ECS gives when an image
 * cannot be pulled, a container cannot start, or the memory limit kills it.
 *
 * An attempt is `create`, then `start --attach` with stdout and stderr on the attempt's log file
 * (so the exit code is the container's), then `inspect` for how it ended, then `rm`. Containers
 * carry the engine's label, so a restarted engine removes what a crashed one left running.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createPrivateDirs, createPrivateFileIfMissing, openPrivateFile } from '../files/private-files';
import { containerCreateArgs } from './container-args';
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
/** How often, and how many times, a signal is retried while a just-started container is not running yet. */
const SIGNAL_RETRY_MS = 200;
const SIGNAL_RETRIES = 25;
/**
 * Exit codes of podman's `start --attach` that need an `inspect`: 125-127 may be podman's own (the
 * container never started), 137 may be an OOM kill. Any other is the container's own. Docker's
 * `start` exits 1 when it cannot start a container, so docker's are always inspected.
 */
const PODMAN_CODES_TO_INSPECT = [125, 126, 127, 137];
/** How long `close()` waits for attempts to finish after removing their containers. */
const CLOSE_WAIT_MS = 10_000;

interface ContainerRun {
  readonly name: string;
  /** `exited`: the container stopped, its attempt is being wrapped up (inspect, rm). */
  phase: 'preparing' | 'created' | 'started' | 'exited' | 'ended';
  pendingSignal?: 'SIGTERM' | 'SIGKILL';
  done?: Promise<unknown>;
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
  private closed = false;

  constructor(public readonly cli: ContainerCli, private readonly options: ContainerLauncherOptions = {}) {
    this.networks = new JobNetworks(cli, options.network === 'none');
    this.readKernelLog = options.readKernelLog ?? readKmsg;
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

  /** Creates and starts the container; reports pull, create and start failures through `exited`. */
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

  /** Removes every container this launcher still runs, waits for their attempts to end, and removes their networks. */
  public async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.runs.values()];
    const names = runs.filter((run) => run.phase === 'created' || run.phase === 'started').map((run) => run.name);
    if (names.length > 0) {
      await runContainerCli(this.cli, ['rm', ...this.forceRemoveArgs(), ...names]);
    }
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(runs.map((run) => run.done)), new Promise((resolve) => (giveUp = setTimeout(resolve, CLOSE_WAIT_MS)))]);
    clearTimeout(giveUp);
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
      return await this.createAndRun(request, spec, run, onStarted);
    } finally {
      if (network) {
        await this.networks.release(network);
      }
    }
  }

  private async createAndRun(request: LaunchRequest, spec: ContainerLaunchSpec, run: ContainerRun, onStarted: () => void): Promise<ProcessExit> {
    if (run.pendingSignal || this.closed) {
      return stoppedBeforeStart(run);
    }
    const created = await runContainerCli(this.cli, containerCreateArgs(request, spec, {
      cliKind: this.cli.kind,
      network: this.options.network ?? 'default',
      extraEnvironment: this.extraEnvironment,
    }));
    if (created.code !== 0) {
      const gpus = spec.gpus > 0 ? ` (the job asks for ${spec.gpus} GPUs: is the NVIDIA container toolkit installed?)` : '';
      return this.failed(request, `CannotCreateContainerError: ${cliFailure(created)}${gpus}`);
    }
    run.phase = 'created';
    try {
      if (run.pendingSignal || this.closed) {
        return stoppedBeforeStart(run);
      }
      const logOffset = fs.statSync(request.logFile).size;
      const attachExitCode = await this.startAttached(run.name, request.logFile, onStarted);
      run.phase = 'exited';
      if (this.cli.kind === 'podman' && attachExitCode !== undefined && !PODMAN_CODES_TO_INSPECT.includes(attachExitCode)) {
        return { exitCode: attachExitCode };
      }
      const inspected = await runContainerCli(this.cli, ['inspect', '--format', '{{json .State}}', run.name]);
      return containerExit({
        id: lines(created.stdout).pop() ?? '',
        state: inspected.code === 0 ? (JSON.parse(inspected.stdout) as InspectedState) : undefined,
        attachExitCode,
        startFailure: () => runtimeErrorIn(request.logFile, logOffset),
      }, this.readKernelLog);
    } finally {
      await runContainerCli(this.cli, ['rm', ...this.forceRemoveArgs(), run.name]);
    }
  }

  /** Runs `start --attach` with stdout and stderr on the log file; resolves to its exit code (the container's). */
  private startAttached(name: string, logFile: string, onStarted: () => void): Promise<number | undefined> {
    return new Promise((resolve) => {
      const logFd = openPrivateFile(logFile, 'a');
      // Its own process group, so Ctrl-C at the terminal reaches the command, not the attached container.
      // In the log's (private) directory: podman's conmon leaves an empty `oom` file in its working
      // directory when the container is killed for memory, which must not land in the user's.
      const child = this.cli.spawn(this.cli.command, ['start', '--attach', name], { stdio: ['ignore', logFd, logFd], detached: true, cwd: path.dirname(logFile) });
      fs.closeSync(logFd);
      child.once('spawn', onStarted);
      child.once('error', () => resolve(undefined));
      child.once('exit', (code) => resolve(code ?? undefined));
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

  /** `kill` refuses a container that is not running yet: a just-started one is retried for a few seconds. */
  private deliver(run: ContainerRun, signal: 'SIGTERM' | 'SIGKILL', attempt: number): void {
    void runContainerCli(this.cli, ['kill', '--signal', signal.slice(3), run.name]).then((result) => {
      if (result.code !== 0 && run.phase === 'started' && attempt < SIGNAL_RETRIES) {
        setTimeout(() => this.deliver(run, signal, attempt + 1), SIGNAL_RETRY_MS);
      }
    });
  }

  /** The container's address on its job network, polled until the runtime has assigned it or the container ended. */
  private async addressOf(run: ContainerRun, spec: ContainerLaunchSpec): Promise<string | undefined> {
    for (let attempt = 0; attempt < 50 && run.phase === 'started'; attempt++) {
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
    // Podman's `rm -f` would first wait 10 s for SIGTERM to work; Docker's kills at once.
    return this.cli.kind === 'podman' ? ['-f', '-t', '0'] : ['-f'];
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

/** The runtime's message about a start that failed, from what it wrote to the attempt's log after `offset`. */
function runtimeErrorIn(logFile: string, offset: number): string {
  const written = fs.readFileSync(logFile).subarray(offset).toString('utf8');
  const errors = lines(written).filter((line) => line.startsWith('Error: '));
  return errors.length > 0 ? errors[errors.length - 1].slice('Error: '.length) : 'the container runtime could not start the container';
}

function lines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter(Boolean);
}

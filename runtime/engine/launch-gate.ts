/**
 * Holds attempt launches until the engine has written the STARTING state they follow from. A
 * process that runs while its start is unrecorded could not be stopped after a crash (its pid is
 * unknown) and would run beside its retry; so the engine opens the gate after each successful
 * write, and while its writes fail nothing starts.
 */
import { attemptFilesError } from './attempt-runner';
import type { LaunchedProcess, LaunchRequest, ProcessExit, ProcessLauncher } from './launcher';

const SIGNAL_NUMBERS = { SIGTERM: 15, SIGKILL: 9 } as const;

interface HeldLaunch {
  readonly request: LaunchRequest;
  readonly settleStarted: (started: boolean | Promise<boolean>) => void;
  readonly settleExited: (exit: ProcessExit | Promise<ProcessExit>) => void;
  launched?: LaunchedProcess;
  /** Set when a signal arrived before the launch: the process is never started. */
  dropped?: boolean;
}

/** A `ProcessLauncher` in front of another that starts nothing until `release()`. */
export class LaunchGate implements ProcessLauncher {
  private held: HeldLaunch[] = [];
  /** The gated launcher's: whether requests must carry `container`. */
  public readonly runsContainers: boolean;

  constructor(private readonly launcher: ProcessLauncher) {
    this.runsContainers = launcher.runsContainers === true;
  }

  /** Queues the launch; the returned process follows the real one once released. */
  public launch(request: LaunchRequest): LaunchedProcess {
    let settleStarted: HeldLaunch['settleStarted'] = () => undefined;
    let settleExited: HeldLaunch['settleExited'] = () => undefined;
    const started = new Promise<boolean>((resolve) => (settleStarted = resolve));
    const exited = new Promise<ProcessExit>((resolve) => (settleExited = resolve));
    const launch: HeldLaunch = { request, settleStarted, settleExited };
    this.held.push(launch);
    return {
      started,
      exited,
      get pid() {
        return launch.launched?.pid;
      },
      privateAddress: () => launch.launched?.privateAddress?.() ?? Promise.resolve(undefined),
      signal(signal) {
        if (launch.launched) {
          launch.launched.signal(signal);
        } else if (!launch.dropped) {
          // Stopped before it started (terminated, timed out, engine closing): it ends as if killed at once.
          launch.dropped = true;
          settleStarted(false);
          settleExited({ exitCode: 128 + SIGNAL_NUMBERS[signal] });
        }
      },
    };
  }

  /** Starts every held launch: the engine calls it once their STARTING states are written. */
  public release(): void {
    const ready = this.held;
    this.held = [];
    for (const launch of ready) {
      if (launch.dropped) {
        continue;
      }
      try {
        launch.launched = this.launcher.launch(launch.request);
      } catch (error) {
        launch.settleStarted(false);
        launch.settleExited({ startError: attemptFilesError(error) });
        continue;
      }
      launch.settleStarted(launch.launched.started);
      launch.settleExited(launch.launched.exited);
    }
  }
}

/**
 * Which launcher starts attempts as processes on this host: the native helper wherever it can be
 * built (a C compiler works), else Node's own `spawn`. Both are correct; Node's spawn is slower
 * per attempt, since Node forks its whole process for each one. `BATCHKIT_PROCESS_HELPER` asks
 * for one of them.
 */
import { EngineConfigurationError, shown } from './errors';
import { HelperLauncher } from './helper-launcher';
import { HostProcessLauncher, ProcessLauncher } from './launcher';
import { buildNativeHelper, NativeHelperBuild } from './native-helper';

/** What `BATCHKIT_PROCESS_HELPER` may ask for: the native helper, or Node's spawn. */
export const PROCESS_HELPER_CHOICES: readonly string[] = ['native', 'node'];

/** Helpers batchkit once had: a setting naming one gets an error saying so, not a bare "unknown". */
const RETIRED_HELPERS: readonly string[] = ['perl', 'sh'];

/** A notice said once at start-up, with the code `process.emitWarning` gives it. */
export interface LauncherNotice {
  /** `BATCHKIT_HELPER_CACHE` (the cache was tightened or moved) or `BATCHKIT_NODE_SPAWN` (no helper). */
  readonly code: string;
  /** The notice, without the `batchkit local engine:` prefix. */
  readonly message: string;
}

/** How attempts are started as host processes, and what the user is told about it. */
export interface HostLauncherPlan {
  /** The compiled native helper; `undefined` when attempts are spawned from Node. */
  readonly helperBinary?: string;
  /** What starts attempts and why, for the engine's `launcherDescription`. */
  readonly description: string;
  /** What to say once at start-up. */
  readonly notices: readonly LauncherNotice[];
}

/**
 * The plan for `BATCHKIT_PROCESS_HELPER` = `asked`: unset or empty, the native helper where it
 * builds and Node's spawn otherwise (with a notice saying why); `native` or `node`, that one or an
 * error saying why it cannot be had.
 * @param build builds the native helper (the tests pass one that fails)
 */
export function planHostLauncher(asked: string | undefined, build: () => NativeHelperBuild = () => buildNativeHelper()): HostLauncherPlan {
  const expected = `expected one of ${PROCESS_HELPER_CHOICES.join(', ')} (native: the C helper, built where a C compiler works; node: Node's own spawn)`;
  if (asked !== undefined && RETIRED_HELPERS.includes(asked)) {
    throw new EngineConfigurationError(`BATCHKIT_PROCESS_HELPER is ${shown(asked)}, a helper batchkit no longer has: ${expected}`);
  }
  if (asked !== undefined && asked !== '' && !PROCESS_HELPER_CHOICES.includes(asked)) {
    throw new EngineConfigurationError(`BATCHKIT_PROCESS_HELPER is ${shown(asked)}: ${expected}`);
  }
  if (asked === 'node') {
    return { description: "Node's spawn (BATCHKIT_PROCESS_HELPER=node)", notices: [] };
  }
  const built = build();
  if ('binary' in built) {
    const notices = built.notice === undefined ? [] : [{ code: 'BATCHKIT_HELPER_CACHE', message: built.notice }];
    return { helperBinary: built.binary, description: 'the native process helper', notices };
  }
  if (asked === 'native') {
    throw new EngineConfigurationError(`BATCHKIT_PROCESS_HELPER is native but the helper cannot be built: ${built.failure}`);
  }
  return {
    description: `Node's spawn (the native process helper cannot be built: ${built.failure})`,
    notices: [{
      code: 'BATCHKIT_NODE_SPAWN',
      message: `starting attempts with Node's spawn, which is correct but slower per attempt than the native process helper (Node forks its whole process for each one): the helper cannot be built: ${built.failure}`,
    }],
  };
}

let planned: HostLauncherPlan | undefined;

/** This process's plan, from `BATCHKIT_PROCESS_HELPER`: decided, and its notices said, once per process. */
export function hostLauncherPlan(): HostLauncherPlan {
  if (planned === undefined) {
    planned = planHostLauncher(process.env.BATCHKIT_PROCESS_HELPER);
    for (const notice of planned.notices) {
      process.emitWarning(`batchkit local engine: ${notice.message}`, { code: notice.code });
    }
  }
  return planned;
}

/** A new host launcher following `plan`. */
export function hostLauncher(plan: HostLauncherPlan): ProcessLauncher {
  return plan.helperBinary === undefined ? new HostProcessLauncher() : new HelperLauncher(plan.helperBinary);
}

import type { Command } from 'commander';
import { registerCancel } from './cancel';
import { registerCheck } from './check';
import { registerDiff } from './diff';
import { registerLocalServe } from './local-serve';
import { registerLogs } from './logs';
import { registerPlan } from './plan';
import { registerResume } from './resume';
import { registerRun } from './run';
import { registerRuns } from './runs';
import { registerStatus } from './status';
import { registerWatch } from './watch';

/** Adds every batchkit command to the program. */
export function registerCommands(program: Command): void {
  registerRun(program);
  registerPlan(program);
  registerRuns(program);
  registerStatus(program);
  registerWatch(program);
  registerLogs(program);
  registerResume(program);
  registerCancel(program);
  registerCheck(program);
  registerDiff(program);
  registerLocalServe(program);
}

import type { Command } from 'commander';
import { registerCancel } from './cancel';
import { registerCheck } from './check';
import { registerLocalServe } from './local-serve';
import { registerLogs } from './logs';
import { registerResume } from './resume';
import { registerRun } from './run';
import { registerStatus } from './status';
import { registerWatch } from './watch';

/** Adds every batchkit command to the program. */
export function registerCommands(program: Command): void {
  registerRun(program);
  registerStatus(program);
  registerWatch(program);
  registerLogs(program);
  registerResume(program);
  registerCancel(program);
  registerCheck(program);
  registerLocalServe(program);
}

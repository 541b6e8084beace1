import type { Command } from 'commander';
import { registerCheck } from './check';
import { registerLocalServe } from './local-serve';

/** Adds every batchkit command to the program. */
export function registerCommands(program: Command): void {
  registerCheck(program);
  registerLocalServe(program);
}

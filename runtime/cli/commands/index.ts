import type { Command } from 'commander';
import { registerCheck } from './check';

/** Adds every batchkit command to the program. */
export function registerCommands(program: Command): void {
  registerCheck(program);
}

import type { Command } from 'commander';

/** Adds every batchkit command to the program. */
export function registerCommands(_program: Command): void {
}

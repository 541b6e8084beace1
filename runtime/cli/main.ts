/**
 * The `batchkit` command line. Each command lives in its own module under `commands/` and
 * registers itself here, so commands can grow without touching each other.
 */
import { Command, CommanderError } from 'commander';
import { tolerateClosedReaders } from './closed-pipes';
import { cliOutcomeOf, EXIT_USAGE } from './exit-codes';
import { registerCommands } from './commands';
import { packageVersion } from './package-version';

export function buildProgram(): Command {
  const program = new Command('batchkit')
    .description('Run AWS Batch from code: workflows on AWS Batch or on the local engine, and checks of CDK apps')
    .version(packageVersion(), '-V, --version', 'print the version of batchkit')
    .showSuggestionAfterError()
    .showHelpAfterError("(see 'batchkit --help')")
    .exitOverride();
  registerCommands(program);
  // A mistyped option gets the "Did you mean" line and where the usage is, not pages of help that bury both.
  for (const command of program.commands) {
    command.showHelpAfterError(`(see 'batchkit ${command.name()} --help')`);
  }
  return program;
}

/** Runs the CLI and resolves to the process exit code; never calls process.exit itself. */
export async function main(argv: string[]): Promise<number> {
  tolerateClosedReaders();
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with 0; every parse error is a usage error.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const outcome = cliOutcomeOf(err);
    if (outcome === undefined) throw err;
    process.stderr.write(`batchkit: ${outcome.message}\n`);
    return outcome.exitCode;
  }
}

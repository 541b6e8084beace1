/** Exit codes of every batchkit command (documented in the README). */
export const EXIT_OK = 0;
/** The work itself failed: a job or workflow ended FAILED, a check found errors. */
export const EXIT_WORK_FAILED = 1;
/** Bad input or usage: unknown option, unreadable file, invalid workflow. */
export const EXIT_USAGE = 2;

/** An error whose message is for the user as it stands, with the exit code to leave with. */
export class CliError extends Error {
  public readonly name = 'CliError';
  constructor(message: string, public readonly exitCode: number = EXIT_USAGE) {
    super(message);
  }
}

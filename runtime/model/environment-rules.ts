/**
 * The rule on environment variable names a job definition, a SubmitJob override or a workflow
 * step gives a container: Batch keeps names starting with `AWS_BATCH` for the variables it sets,
 * and a name must reach the process as written. Process environment entries are C strings of
 * `NAME=value`: a NUL would cut the entry short (`X\u0000AWS_BATCH_JOB_ID` would arrive as a
 * variable Batch sets), any other control character lets a name forge lines in `env` output, and
 * an `=` moves the split between name and value.
 */

/** Prefix Batch keeps for the variables it sets in every job. */
export const RESERVED_ENVIRONMENT_PREFIX = 'AWS_BATCH';

/** Any C0 control character (U+0000 to U+001F). */
const CONTROL_CHARACTER = /[\u0000-\u001f]/;

/** `U+000A` for a newline: how messages show a character that cannot be printed. */
export function codePoint(character: string): string {
  return `U+${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first control character of `text`, or `undefined`. */
export function firstControlCharacter(text: string): string | undefined {
  return CONTROL_CHARACTER.exec(text)?.[0];
}

/**
 * Why `name` cannot be an environment variable name, completing "<the name> ...", or `undefined`
 * when it can, e.g. `is reserved: names starting with AWS_BATCH are set by Batch`.
 */
export function environmentNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty: expected a name of at least one character';
  const control = firstControlCharacter(name);
  if (control !== undefined) return `contains the control character ${codePoint(control)}: expected a name of printable characters`;
  if (name.includes('=')) return 'contains "=": expected a name without "=", which separates name from value in a process environment';
  if (name.startsWith(RESERVED_ENVIRONMENT_PREFIX)) return `is reserved: names starting with ${RESERVED_ENVIRONMENT_PREFIX} are set by Batch`;
  return undefined;
}

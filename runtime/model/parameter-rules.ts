/**
 * Batch's parameter substitution: a `Ref::<name>` token in a container's command is replaced by
 * the job's parameter `<name>`, the SubmitJob value first, the job definition's default second;
 * a token with no value stays in the command as written. Names are letters, digits, `_` and `-`.
 */

/** A `Ref::` token and the parameter name it carries. */
const PARAMETER_REFERENCE = /Ref::([A-Za-z0-9_-]+)/g;
const PARAMETER_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Why no `Ref::` token can name `name`, completing "parameter ...", or `undefined` when one can,
 * e.g. `'in file' has a character a Ref:: token cannot carry; expected letters, digits, _ or -`.
 */
export function parameterNameProblem(name: string): string | undefined {
  if (PARAMETER_NAME.test(name)) return undefined;
  return name === '' ? 'has an empty name; expected letters, digits, _ or -' : `'${name}' has a character a Ref:: token cannot carry; expected letters, digits, _ or -`;
}

/** The parameter names `Ref::` tokens in `args` refer to, each once, in order of appearance. */
export function parameterReferences(args: readonly string[]): string[] {
  const names = new Set<string>();
  for (const arg of args) {
    for (const match of arg.matchAll(PARAMETER_REFERENCE)) names.add(match[1]);
  }
  return [...names];
}

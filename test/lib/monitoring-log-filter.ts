/**
 * Evaluates the subset of CloudWatch Logs JSON filter patterns that batchkit's metric filters use
 * against a log event, the way CloudWatch Logs does: `{ (<selector> = "<text>") && ... }` where
 * `"*"` matches any value that exists, and `(<selector> NOT EXISTS)`. Anything else throws, so a
 * filter that drifts out of the subset is noticed instead of half-evaluated.
 */
export function matchesLogFilter(filterPattern: string, logEvent: unknown): boolean {
  const body = /^\{\s*(.*?)\s*\}$/s.exec(filterPattern);
  if (!body) throw new Error(`not a JSON filter pattern: ${filterPattern}`);
  return body[1].split(/\s*&&\s*/).every((term) => holds(term, logEvent));
}

/** The value of a `$.a.b-c.d` selector in a JSON log event; undefined when any step is missing. */
export function selectJson(selector: string, logEvent: unknown): unknown {
  if (!selector.startsWith('$.')) throw new Error(`unsupported selector ${selector}`);
  return selector.slice(2).split('.').reduce<unknown>((value, key) =>
    (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined), logEvent);
}

function holds(term: string, logEvent: unknown): boolean {
  const inner = /^\((.*)\)$/s.exec(term)?.[1] ?? term;
  const notExists = /^(\$\.[\w.-]+) NOT EXISTS$/.exec(inner);
  if (notExists) return selectJson(notExists[1], logEvent) === undefined;
  const equals = /^(\$\.[\w.-]+) = "(.*)"$/.exec(inner);
  if (!equals) throw new Error(`unsupported filter term: ${term}`);
  const value = selectJson(equals[1], logEvent);
  if (equals[2] === '*') return value !== undefined && value !== null;
  return value === equals[2];
}

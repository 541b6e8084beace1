/**
 * Evaluates the subset of CloudWatch Logs JSON filter patterns that batchkit's metric filters use
 * against a log event, the way CloudWatch Logs does: `{ <expression> }` where an expression is
 * terms joined by `&&` or `||` (one kind per parenthesized group, as CDK renders them), and a
 * term is `(<selector> = "<text>")` (`"*"` matches any value that exists),
 * `(<selector> <op> <number>)` with `=`, `!=`, `<`, `<=`, `>`, `>=`, or `(<selector> NOT EXISTS)`.
 * Anything else throws, so a filter that drifts out of the subset is noticed instead of
 * half-evaluated.
 */
export function matchesLogFilter(filterPattern: string, logEvent: unknown): boolean {
  const body = /^\{\s*(.*?)\s*\}$/s.exec(filterPattern);
  if (!body) throw new Error(`not a JSON filter pattern: ${filterPattern}`);
  return evaluate(body[1].trim(), logEvent);
}

/** The value of a `$.a.b-c.d` selector in a JSON log event; undefined when any step is missing. */
export function selectJson(selector: string, logEvent: unknown): unknown {
  if (!selector.startsWith('$.')) throw new Error(`unsupported selector ${selector}`);
  return selector.slice(2).split('.').reduce<unknown>((value, key) =>
    (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined), logEvent);
}

function evaluate(expression: string, logEvent: unknown): boolean {
  const parts = splitTopLevel(expression);
  if (parts.operands.length > 1) {
    const values = parts.operands.map((operand) => evaluate(operand, logEvent));
    return parts.operator === '&&' ? values.every(Boolean) : values.some(Boolean);
  }
  const single = parts.operands[0];
  if (single.startsWith('(') && single.endsWith(')')) return evaluate(single.slice(1, -1).trim(), logEvent);
  return holds(single, logEvent);
}

/** Splits on `&&` or `||` outside parentheses and quotes; mixing both at one level throws. */
function splitTopLevel(expression: string): { operator?: string; operands: string[] } {
  const operands: string[] = [];
  let operator: string | undefined;
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i];
    if (char === '"') quoted = !quoted;
    if (quoted) continue;
    if (char === '(') depth++;
    if (char === ')') depth--;
    const pair = expression.slice(i, i + 2);
    if (depth === 0 && (pair === '&&' || pair === '||')) {
      if (operator && operator !== pair) throw new Error(`mixed && and || without parentheses: ${expression}`);
      operator = pair;
      operands.push(expression.slice(start, i).trim());
      start = i + 2;
      i++;
    }
  }
  operands.push(expression.slice(start).trim());
  return { operator, operands };
}

function holds(term: string, logEvent: unknown): boolean {
  const notExists = /^(\$\.[\w.-]+) NOT EXISTS$/.exec(term);
  if (notExists) return selectJson(notExists[1], logEvent) === undefined;
  const text = /^(\$\.[\w.-]+) = "(.*)"$/.exec(term);
  if (text) {
    const value = selectJson(text[1], logEvent);
    if (text[2] === '*') return value !== undefined && value !== null;
    return value === text[2];
  }
  const numeric = /^(\$\.[\w.-]+) (=|!=|<=|>=|<|>) (-?\d+(?:\.\d+)?)$/.exec(term);
  if (!numeric) throw new Error(`unsupported filter term: ${term}`);
  const value = selectJson(numeric[1], logEvent);
  if (typeof value !== 'number') return false;
  const bound = Number(numeric[3]);
  switch (numeric[2]) {
    case '=': return value === bound;
    case '!=': return value !== bound;
    case '<': return value < bound;
    case '<=': return value <= bound;
    case '>': return value > bound;
    default: return value >= bound;
  }
}

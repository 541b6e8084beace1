/**
 * Loads workflow files (YAML or JSON: JSON is parsed as YAML 1.2, of which it is a subset) and
 * reports every issue at its file, line and column.
 */
import * as fs from 'fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument, Scalar } from 'yaml';
import { SourceLocation, ValidationIssue, WorkflowValidationError } from './errors';
import { Workflow } from './model';
import { validateWorkflow } from './validate';

// Where each value of a loaded workflow is in its file, for problems found after validation
// (a queue that does not exist at the target); kept beside the workflow, not in it.
const SOURCE_LOCATIONS = new WeakMap<Workflow, (path: ReadonlyArray<string | number>) => SourceLocation>();

/**
 * Where the value at `path` of a workflow loaded from a file is, as `file:line:col` data.
 * @returns undefined for workflows defined in code
 */
export function workflowSourceLocation(workflow: Workflow, path: ReadonlyArray<string | number>): SourceLocation | undefined {
  return SOURCE_LOCATIONS.get(workflow)?.(path);
}

/**
 * Reads and validates a workflow file.
 * @throws WorkflowValidationError with located issues (also for YAML syntax errors and unreadable files)
 */
export function loadWorkflowFile(file: string): Workflow {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new WorkflowValidationError([{ path: [], message: `cannot read workflow file: ${(err as Error).message}`, location: { file, line: 1, column: 1 } }]);
  }
  return parseWorkflow(text, file);
}

/**
 * Parses and validates workflow text; `file` only names the source in messages.
 * @throws WorkflowValidationError with located issues
 */
export function parseWorkflow(text: string, file: string): Workflow {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locate = (offset: number): SourceLocation => {
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new WorkflowValidationError(doc.errors.map((e) => ({
      path: [],
      message: `invalid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${firstLine(e.message)}`,
      location: locate(e.pos[0]),
    })));
  }
  try {
    const workflow = validateWorkflow(doc.toJS({ maxAliasCount: 100 }));
    SOURCE_LOCATIONS.set(workflow, (path) => locate(offsetOf(doc.contents, path)));
    return workflow;
  } catch (err) {
    if (!(err instanceof WorkflowValidationError)) {
      throw err;
    }
    const located: ValidationIssue[] = err.issues.map((issue) => {
      const offset = offsetOf(doc.contents, issue.path);
      return { ...issue, message: issue.message + yamlTypingHint(issue.message, nodeAt(doc.contents, issue.path)), location: locate(offset) };
    });
    throw new WorkflowValidationError(located);
  }
}

/**
 * The source offset of the value at `path`, or of the deepest existing node on the way when
 * the value is missing (a missing key is reported at its mapping). `$key` selects the key
 * itself rather than its value.
 */
function offsetOf(root: unknown, path: ReadonlyArray<string | number>): number {
  let node = root;
  let offset = rangeStart(root);
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    if (segment === '$key') {
      break;
    }
    let next: unknown;
    let keyOffset: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      next = pair?.value;
      keyOffset = pair ? rangeStart(pair.key) : undefined;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (path[index + 1] === '$key' && keyOffset !== undefined) {
      return keyOffset;
    }
    if (next === undefined || next === null) {
      return keyOffset ?? offset;
    }
    node = next;
    offset = rangeStart(next, offset);
  }
  return offset;
}

/** The node at `path`, or undefined when something on the way is missing. */
function nodeAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = root;
  for (const segment of path) {
    if (isMap(node)) {
      node = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment))?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      return undefined;
    }
  }
  return node;
}

/**
 * YAML reads unquoted `true`, `1.0` or `null` as a boolean, number or null; where text was
 * expected (a command, an environment value) the author wrote text, so the issue says why.
 */
function yamlTypingHint(message: string, node: unknown): string {
  if (!/\bstrings?\b/.test(message)) return '';
  const scalars = isSeq(node) ? node.items : [node];
  const typed = scalars.find((item): item is Scalar => isScalar(item) && item.type === 'PLAIN' && typeof item.value !== 'string');
  if (!typed) return '';
  const kind = typed.value === null ? 'null' : typeof typed.value === 'number' ? 'a number' : 'a boolean';
  const text = typed.source ?? String(typed.value);
  return `; YAML read ${text} as ${kind}: quote it ('${text}') to pass the text`;
}

function rangeStart(node: unknown, fallback = 0): number {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : fallback;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase());
}

/**
 * Loads workflow files (YAML or JSON: JSON is parsed as YAML 1.2, of which it is a subset) and
 * reports every issue at its file, line and column.
 */
import * as fs from 'fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, Node, parseDocument } from 'yaml';
import { SourceLocation, ValidationIssue, WorkflowValidationError } from './errors';
import { Workflow } from './model';
import { validateWorkflow } from './validate';

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
    return validateWorkflow(doc.toJS({ maxAliasCount: 100 }));
  } catch (err) {
    if (!(err instanceof WorkflowValidationError)) {
      throw err;
    }
    const located: ValidationIssue[] = err.issues.map((issue) => {
      const offset = offsetOf(doc.contents, issue.path);
      return { ...issue, location: locate(offset) };
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

function rangeStart(node: unknown, fallback = 0): number {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : fallback;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase());
}

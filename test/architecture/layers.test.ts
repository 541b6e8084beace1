import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/*
 * The layer rules in eslint.config.mjs, exercised through ESLint's Node API with the project's own
 * config: forbidden imports fail with a message naming both layers, allowed ones lint clean, and the
 * table in docs/architecture.md ("Allowed imports") says exactly what the linter enforces.
 */

const ROOT = path.join(__dirname, '..', '..');
const LAYERS = ['model', 'files', 'engine', 'template', 'server', 'inspect', 'workflow', 'cli'];
const RULE = '@typescript-eslint/no-restricted-imports';

interface Snippet {
  /** Where the code pretends to live, relative to the repository root. */
  readonly file: string;
  readonly code: string;
}

interface LintMessage {
  readonly ruleId: string | null;
  readonly message: string;
}

/*
 * ESLint loads eslint.config.mjs with a dynamic import, which Jest's module sandbox refuses, so the
 * API runs in a plain Node process: it reads the snippets as JSON on stdin and prints each one's messages.
 */
const LINT_PROCESS = `
const { ESLint } = require('eslint');
const path = require('path');
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const root = process.cwd();
  const eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.mjs') });
  const results = [];
  for (const { file, code } of JSON.parse(input)) {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    results.push(result.messages.map(({ ruleId, message }) => ({ ruleId, message })));
  }
  process.stdout.write(JSON.stringify(results));
});
`;

function lint(snippets: readonly Snippet[]): Promise<LintMessage[][]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', LINT_PROCESS], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`the ESLint process exited with ${code}, expected 0: ${stderr}`));
      else resolve(JSON.parse(stdout) as LintMessage[][]);
    });
    child.stdin.end(JSON.stringify(snippets));
  });
}

/** Lints the snippets, keyed by a label, in one ESLint process. */
async function lintAll(labelled: Record<string, Snippet>): Promise<Record<string, LintMessage[]>> {
  const labels = Object.keys(labelled);
  const results = await lint(labels.map((label) => labelled[label]));
  return Object.fromEntries(labels.map((label, i) => [label, results[i]]));
}

/** A snippet in `folder` (relative to the root) that imports `target` (relative to the root) with a relative path. */
function importing(folder: string, target: string): Snippet {
  let specifier = path.posix.relative(folder, target);
  if (!specifier.startsWith('.')) specifier = `./${specifier}`;
  return { file: `${folder}/probe.ts`, code: `import '${specifier}';\n` };
}

/** Rows of the "Allowed imports" table: folder (`runtime/engine`, `lib`) to the runtime layers it may import. */
function documentedTable(): Map<string, string[]> {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split(/^## /m).find((part) => part.startsWith('Allowed imports'));
  if (section === undefined) throw new Error('docs/architecture.md has no "## Allowed imports" section');
  const table = new Map<string, string[]>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
    const [folderCell, importsCell] = row.split('|').slice(1, 3);
    const folder = /`([^`]+?)\/?`/.exec(folderCell)![1];
    table.set(folder, [...importsCell.matchAll(/`runtime\/([a-z]+)`/g)].map((match) => match[1]));
  }
  return table;
}

describe('layer imports', () => {
  const FORBIDDEN_AND_ALLOWED: Record<string, Snippet> = {
    templateToServer: { file: 'runtime/template/probe.ts', code: "import { startBatchServer } from '../server/server';\nexport const start = startBatchServer;\n" },
    templateToWireModel: { file: 'runtime/template/probe.ts', code: "import type { WireModel } from '../model/wire-model';\nexport type Model = WireModel;\n" },
    nestedInspectToEngine: { file: 'runtime/inspect/diff/probe.ts', code: "import '../../engine';\n" },
    nestedInspectToTemplate: { file: 'runtime/inspect/diff/probe.ts', code: "import '../../template/load-template';\n" },
    cliToEngineFile: { file: 'runtime/cli/commands/probe.ts', code: "import '../../engine/engine';\n" },
    cliToEngineEntry: { file: 'runtime/cli/commands/probe.ts', code: "import '../../engine';\n" },
    cliToServerFile: { file: 'runtime/cli/probe.ts', code: "import '../server/server';\n" },
    cliToServerEntry: { file: 'runtime/cli/probe.ts', code: "import '../server';\n" },
    workflowToPackageEntry: { file: 'runtime/workflow/probe.ts', code: "import '..';\n" },
    engineToCdk: { file: 'runtime/engine/probe.ts', code: "import 'aws-cdk-lib';\n" },
    libToPackageEntry: { file: 'lib/probe.ts', code: "import '../runtime';\n" },
    libToSdk: { file: 'lib/private/probe.ts', code: "import '@aws-sdk/client-batch';\n" },
  };
  let results: Record<string, LintMessage[]>;

  beforeAll(async () => {
    results = await lintAll(FORBIDDEN_AND_ALLOWED);
  });

  test('template importing the server fails with a message naming both layers', () => {
    expect(results.templateToServer).toEqual([{
      ruleId: RULE,
      message: expect.stringContaining('runtime/template sits below runtime/server: it may import only runtime/model, runtime/files'),
    }]);
  });

  test('template importing the wire model from runtime/model lints clean', () => {
    expect(results.templateToWireModel).toEqual([]);
  });

  test('a file in a sub-folder of a layer is held to its layer', () => {
    expect(results.nestedInspectToEngine).toEqual([{ ruleId: RULE, message: expect.stringContaining('runtime/inspect does not build on runtime/engine') }]);
    expect(results.nestedInspectToTemplate).toEqual([]);
  });

  test('cli reaches engine and server only through their index.ts', () => {
    expect(results.cliToEngineFile).toEqual([{ ruleId: RULE, message: expect.stringContaining('only through its public entry runtime/engine/index.ts') }]);
    expect(results.cliToServerFile).toEqual([{ ruleId: RULE, message: expect.stringContaining('only through its public entry runtime/server/index.ts') }]);
    expect(results.cliToEngineEntry).toEqual([]);
    expect(results.cliToServerEntry).toEqual([]);
  });

  test('no layer and nothing in lib/ imports runtime/index.ts', () => {
    expect(results.workflowToPackageEntry).toEqual([{ ruleId: RULE, message: expect.stringContaining('runtime/workflow must not import runtime/index.ts') }]);
    expect(results.libToPackageEntry).toEqual([{ ruleId: RULE, message: expect.stringContaining('lib/ must not import runtime/index.ts') }]);
  });

  test('the layer blocks keep the CDK out of runtime/ and the SDK out of lib/', () => {
    expect(results.engineToCdk).toEqual([{ ruleId: RULE, message: expect.stringContaining('runtime/ is plain Node') }]);
    expect(results.libToSdk).toEqual([{ ruleId: RULE, message: expect.stringContaining('lib/ holds constructs') }]);
  });
});

describe('docs/architecture.md, "Allowed imports"', () => {
  test('lists exactly the imports the linter allows, from every layer and from lib/', async () => {
    // GIVEN every folder of the table importing a file of every other layer, one and two folders deep
    const folders = [...LAYERS.map((layer) => `runtime/${layer}`), 'lib', 'lib/testing'];
    const snippets: Record<string, Snippet> = {};
    for (const folder of folders) {
      for (const target of LAYERS.filter((layer) => folder !== `runtime/${layer}`)) {
        // cli's allowed way into engine and server is the folder itself (its index.ts).
        const file = `runtime/${target}${['engine', 'server'].includes(target) ? '' : '/probe'}`;
        snippets[`${folder} ${target}`] = importing(folder, file);
        snippets[`${folder}/sub ${target}`] = importing(`${folder}/sub`, file);
      }
    }

    // WHEN
    const results = await lintAll(snippets);

    // THEN the layers each folder may import, as the linter sees it, are the documented ones
    const enforced = new Map<string, string[]>();
    for (const folder of folders) {
      const allowed = LAYERS.filter((target) => results[`${folder} ${target}`]?.length === 0);
      const nestedAllowed = LAYERS.filter((target) => results[`${folder}/sub ${target}`]?.length === 0);
      expect({ folder, nestedAllowed }).toEqual({ folder, nestedAllowed: allowed });
      enforced.set(folder, allowed);
    }
    const documented = documentedTable();
    for (const folder of folders) {
      expect({ folder, allowed: [...(documented.get(folder) ?? [])].sort() }).toEqual({ folder, allowed: [...enforced.get(folder)!].sort() });
    }
    expect([...documented.keys()].sort()).toEqual([...folders].sort());
  });
});

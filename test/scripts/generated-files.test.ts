import * as fs from 'fs';
import * as path from 'path';

/*
 * The committed generated files must be what their generators make from the committed inputs
 * under scripts/generator-inputs/: a hand edit, or an input updated without regenerating, fails here.
 */

interface Generator {
  readonly script: string;
  readonly npmScript: string;
  readonly defaultInput: string;
  readonly target: string;
  render(): { text: string };
}

const scripts = path.join(__dirname, '..', '..', 'scripts');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const instanceCatalog = require(path.join(scripts, 'generate-instance-catalog.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const wireModel = require(path.join(scripts, 'generate-batch-shapes.js'));

const GENERATORS: Generator[] = [
  {
    script: 'generate-instance-catalog.js', npmScript: 'generate:instance-catalog',
    defaultInput: instanceCatalog.DEFAULT_SOURCE, target: instanceCatalog.TARGET, render: () => instanceCatalog.renderInstanceCatalog(),
  },
  {
    script: 'generate-batch-shapes.js', npmScript: 'generate:wire-model',
    defaultInput: wireModel.DEFAULT_MODEL, target: wireModel.TARGET, render: () => wireModel.renderWireModel(),
  },
];

/** Why the committed text is stale, naming the npm script that refreshes it; `undefined` when fresh. */
function staleness(generator: Generator, committed: string, regenerated: string): string | undefined {
  if (committed === regenerated) return undefined;
  const a = committed.split('\n');
  const b = regenerated.split('\n');
  const line = a.findIndex((text, index) => text !== b[index]);
  return `${path.relative(process.cwd(), generator.target)} differs from what scripts/${generator.script} makes of the committed inputs `
    + `(first difference at line ${(line === -1 ? a.length : line) + 1}): run \`npm run ${generator.npmScript}\` and commit the result`;
}

describe.each(GENERATORS)('$script', (generator) => {
  test('reads its input from scripts/generator-inputs/ by default', () => {
    expect(path.relative(scripts, generator.defaultInput)).toMatch(/^generator-inputs\//);
    expect(fs.existsSync(generator.defaultInput)).toBe(true);
  });

  test('regenerates the committed file unchanged', () => {
    // GIVEN
    const committed = fs.readFileSync(generator.target, 'utf8');

    // WHEN
    const problem = staleness(generator, committed, generator.render().text);

    // THEN
    if (problem !== undefined) throw new Error(problem);
  });
});

test('fails, naming the npm script and the line, when a generated file was edited by hand', () => {
  // GIVEN the catalog with one row changed
  const generator = GENERATORS[0];
  const fresh = generator.render().text;
  const edited = fresh.replace(/"m5\.large": \[2, \d+,/, '"m5.large": [2, 1,');
  const row = fresh.split('\n').findIndex((line) => line.startsWith('  "m5.large"')) + 1;

  // WHEN
  const problem = staleness(generator, edited, fresh);

  // THEN
  expect(problem).toBe(`runtime/model/instance-catalog.generated.ts differs from what scripts/generate-instance-catalog.js makes of the committed inputs (first difference at line ${row}): run \`npm run generate:instance-catalog\` and commit the result`);
});

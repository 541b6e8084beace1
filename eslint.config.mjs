import tseslint from 'typescript-eslint';

// Flat config blocks for one rule do not merge: a later block replaces an earlier one for the files
// both match. So every block below that sets `@typescript-eslint/no-restricted-imports` repeats the
// patterns of the blocks it replaces.
const NO_CDK_IN_RUNTIME = { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'runtime/ is plain Node: it must not import the CDK' };
const NO_SDK_IN_LIB = { group: ['@aws-sdk/*'], message: 'lib/ holds constructs: AWS SDK code belongs in runtime/ or a bundled Lambda handler' };

// The layers under runtime/, bottom to top, and the layers each may import besides itself.
// docs/architecture.md ("Allowed imports") draws this table; change both together.
const RUNTIME_LAYERS = {
  model: [],
  files: ['model'],
  engine: ['model', 'files'],
  template: ['model', 'files'],
  server: ['model', 'files', 'engine'],
  inspect: ['model', 'template'],
  workflow: ['model', 'files'],
  cli: ['model', 'files', 'engine', 'template', 'server', 'inspect', 'workflow'],
};
const LAYER_NAMES = Object.keys(RUNTIME_LAYERS);
// Layers cli reaches only through their index.ts, so their internals can change without touching the CLI.
const ENTRY_ONLY_FOR_CLI = ['engine', 'server'];
// How far up a relative import climbs to leave its folder: enough for files up to two folders deep
// in a layer (runtime/inspect/diff/x.ts is one deep).
const UP = ['../', '../../', '../../../'];

/** Relative import specifiers that climb out of the importer's folders into `target` (`engine`, `runtime/model`). */
function reaching(target) {
  return UP.flatMap((up) => [`${up}${target}`, `${up}${target}/*`]);
}

function allowedList(layers) {
  return layers.length === 0 ? 'nothing outside itself' : `only ${layers.map((l) => `runtime/${l}`).join(', ')}`;
}

/** Height of a layer, for messages: the layers that import nothing share the bottom. */
function height(layer) {
  return RUNTIME_LAYERS[layer].length === 0 ? 0 : LAYER_NAMES.indexOf(layer);
}

/** The patterns that keep runtime/<layer> to the layers RUNTIME_LAYERS allows it. */
function layerPatterns(layer) {
  const allowed = RUNTIME_LAYERS[layer];
  const forbidden = LAYER_NAMES.filter((other) => other !== layer && !allowed.includes(other));
  const patterns = forbidden.map((other) => {
    const relation = height(other) > height(layer) ? 'sits below' : 'does not build on';
    return {
      group: reaching(other),
      message: `runtime/${layer} ${relation} runtime/${other}: it may import ${allowedList(allowed)} (docs/architecture.md, "Allowed imports")`,
    };
  });
  patterns.push({
    // A regex, not a glob: the glob '..' would also match every file in the parent folder.
    regex: '^\\.\\.(/\\.\\.)*(/index)?$',
    message: `runtime/${layer} must not import runtime/index.ts: it re-exports every layer for package users; import the layer you need`,
  });
  if (layer === 'cli') {
    for (const entry of ENTRY_ONLY_FOR_CLI) {
      patterns.push({
        group: UP.map((up) => `${up}${entry}/*`),
        message: `runtime/cli imports runtime/${entry} only through its public entry runtime/${entry}/index.ts: import from the folder and export what is missing there`,
      });
    }
  }
  return patterns;
}

const RUNTIME_LAYER_BLOCKS = LAYER_NAMES.map((layer) => ({
  files: [`runtime/${layer}/**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_CDK_IN_RUNTIME, ...layerPatterns(layer)] }],
  },
}));

/** lib/ builds constructs on the pure rules in runtime/model; `extra` names further runtime/ layers a folder of lib/ may read. */
function libPatterns(extra) {
  const forbidden = LAYER_NAMES.filter((layer) => layer !== 'model' && !extra.includes(layer));
  const allowed = ['model', ...extra].map((l) => `runtime/${l}`).join(', ');
  return [
    NO_SDK_IN_LIB,
    {
      group: forbidden.flatMap((layer) => reaching(`runtime/${layer}`)),
      message: `lib/ sits beside the runtime, not on it: it may import ${allowed} (docs/architecture.md, "Allowed imports")`,
    },
    {
      // A regex, not a glob: the glob '../runtime' would also match every file below runtime/.
      regex: '^(\\.\\./)+runtime(/index)?$',
      message: `lib/ must not import runtime/index.ts: it re-exports every layer; import ${allowed} directly`,
    },
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'cdk.out/**', 'integ/**/*.snapshot/**', 'coverage/**', '**/*.d.ts', '.batchkit/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['runtime/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [NO_CDK_IN_RUNTIME] }],
    },
  },
  ...RUNTIME_LAYER_BLOCKS,
  {
    files: ['lib/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: libPatterns([]) }],
    },
  },
  {
    // The template assertions read synthesized templates with the same reader and placement report as `batchkit check`.
    files: ['lib/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: libPatterns(['inspect']) }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

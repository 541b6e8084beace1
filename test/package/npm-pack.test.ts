/**
 * The package as a user gets it: `npm pack`, installed into a fresh project, then required from
 * plain Node, run as a command and type-checked from TypeScript, all from that project. What the
 * repository's own tests import from source cannot show: that `exports`, `typesVersions`, `bin`
 * and `files` in package.json point at what the tarball holds.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import { isBuiltin } from 'module';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { installOffline, packInto, ROOT, type PackedTarball } from './offline-install';

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * A small CDK app as a user writes it against the installed package: a Fargate queue and a job,
 * summarized by `batchkit/testing`, and the runtime's process helper compiled from the C source
 * the package ships. The same construct statements are type-checked in app.ts and run in app.js.
 */
const APP_BODY = `
const stack = new Stack(new App(), 'Installed');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
const compute = new FargateCompute(stack, 'Fargate', { vpc, maxvCpus: 16 });
const queue = new BatchQueue(stack, 'Queue', { priority: 1, computeEnvironments: [compute] });
new FargateContainerJob(stack, 'Report', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
  command: ['true'],
  vcpus: 1,
  memory: Size.gibibytes(2),
  queues: [queue],
});
`;

const TYPESCRIPT_APP = `import { App, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BatchQueue, FargateCompute, FargateContainerJob } from 'batchkit';
import { LocalBatchEngine, buildNativeHelper, type LocalEngineOptions, type NativeHelperBuild } from 'batchkit/runtime';
import { batchkitMatchers, renderBatchSummary, summarizeBatch, type BatchSummary, type BatchkitMatchers } from 'batchkit/testing';
${APP_BODY}
export const summary: BatchSummary = summarizeBatch(stack);
export const rendered: string = renderBatchSummary(summary);
export const helper: NativeHelperBuild = buildNativeHelper();
const options: LocalEngineOptions = { region: 'eu-west-1', launcher: 'process' };
export const engine: Promise<LocalBatchEngine> = LocalBatchEngine.open(options);
export const matcher: keyof BatchkitMatchers<void> = 'toHaveOnlyPlaceableJobDefinitions';
export const matches: typeof batchkitMatchers = batchkitMatchers;
`;

const PLAIN_NODE_APP = `'use strict';
const { App, Size, Stack } = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const { BatchQueue, FargateCompute, FargateContainerJob } = require('batchkit');
const { LocalBatchEngine, buildNativeHelper } = require('batchkit/runtime');
const { renderBatchSummary, summarizeBatch } = require('batchkit/testing');
${APP_BODY}
const helper = buildNativeHelper(process.argv[2]);
process.stdout.write(JSON.stringify({
  rendered: renderBatchSummary(summarizeBatch(stack)),
  engineOpen: typeof LocalBatchEngine.open,
  helper,
}));
`;

let workDir: string;
let tarball: PackedTarball;
let project: string;

beforeAll(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-pack-'));
  tarball = packInto(workDir);
  project = path.join(workDir, 'project');
  // @types/node: the runtime's declarations name Node's types, which a TypeScript user on Node has.
  installOffline(tarball, project, ['@types/node']);
  fs.writeFileSync(path.join(project, 'app.ts'), TYPESCRIPT_APP);
  fs.writeFileSync(path.join(project, 'app.js'), PLAIN_NODE_APP);
}, 180_000);

afterAll(() => {
  if (workDir !== undefined) fs.rmSync(workDir, { recursive: true, force: true });
});

test('the tarball ships the license, readme, the docs it links and C source, and no source maps or tests', () => {
  // The README links docs/*.md: on npm those links must resolve inside the package.
  const readmeLinks = [...fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8').matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
  expect(readmeLinks.length).toBeGreaterThan(0);
  expect(tarball.files).toEqual(expect.arrayContaining([...new Set(readmeLinks)]));
  expect(tarball.files).toEqual(expect.arrayContaining([
    'LICENSE', 'README.md', 'package.json', 'bin/batchkit.js', 'runtime/engine/process-helper.c',
    'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/runtime/index.js', 'dist/runtime/index.d.ts',
    'dist/lib/testing/index.js', 'dist/lib/testing/index.d.ts', 'dist/runtime/cli/main.js',
  ]));
  expect(tarball.files.filter((file) => file.endsWith('.map'))).toEqual([]);
  // No compiled file points at a source map the package does not ship (debuggers would warn of each).
  const installed = path.join(project, 'node_modules', 'batchkit');
  const pointing = tarball.files.filter((file) => file.endsWith('.js') && /\/\/# sourceMappingURL=/.test(fs.readFileSync(path.join(installed, file), 'utf8')));
  expect(pointing).toEqual([]);
  expect(tarball.files.filter((file) => /(^|\/)test\/|\.test\.|(^|\/)(examples|integ|bench|scripts)\//.test(file))).toEqual([]);
  // Only the compiled package and the few files the runtime reads or npm shows: no TypeScript sources.
  expect(tarball.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
});

test('plain Node requires the constructs, the runtime and the testing helpers, and the runtime finds its C source', () => {
  const helperCache = path.join(workDir, 'helper-cache');
  const output = execFileSync(process.execPath, ['app.js', helperCache], { cwd: project, encoding: 'utf8' });
  const result = JSON.parse(output) as { rendered: string; engineOpen: string; helper: { binary?: string; failure?: string } };
  // Names from construct paths: summarizeBatch recognised the app's Stack, which it can only when
  // batchkit and the app load one aws-cdk-lib (the peer dependency).
  expect(result.rendered).toContain('Queue: priority 1, compute Fargate');
  expect(result.rendered).toContain('runs on Queue');
  expect(result.engineOpen).toBe('function');
  // A binary comes back only once the C source was read from the installed package, compiled and smoke-tested.
  expect(result.helper).toEqual({ binary: expect.stringContaining(helperCache) });
  expect(fs.statSync(result.helper.binary!).isFile()).toBe(true);
});

test('the installed `batchkit` command runs', () => {
  const result = spawnSync('npx', ['--no', '--', 'batchkit', '--help'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/Usage: batchkit/);
});

// The type check below skips checking declaration files (aws-cdk-lib's would take minutes), so an
// import inside batchkit's own declarations that a user's project cannot resolve, or resolves to
// untyped JavaScript, would pass it unseen; that is checked here instead.
test('the shipped declarations import only typed dependencies, peer dependencies and Node modules', () => {
  const installed = path.join(project, 'node_modules', 'batchkit');
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies: object; peerDependencies: object };
  const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
  const options: ts.CompilerOptions = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
  const unusable: string[] = [];
  let imports = 0;
  for (const file of tarball.files.filter((name) => name.endsWith('.d.ts'))) {
    const containingFile = path.join(installed, file);
    // preProcessFile lists imports, import() types and require()s the way tsc reads them, skipping comments.
    const references = ts.preProcessFile(fs.readFileSync(containingFile, 'utf8'), true, true);
    for (const { fileName: types } of references.typeReferenceDirectives.filter((directive) => directive.fileName !== 'node')) {
      unusable.push(`${file} references the types of ${types}, which a user's project need not have`);
    }
    for (const { fileName: specifier } of references.importedFiles) {
      // Node's own modules are typed by @types/node, which a TypeScript user on Node has.
      if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
      imports += 1;
      const resolved = ts.resolveModuleName(specifier, containingFile, options, ts.sys, undefined, undefined, ts.ModuleKind.CommonJS).resolvedModule;
      if (!declared.has(packageName(specifier))) {
        unusable.push(`${file} imports ${specifier}, which is not a dependency or peer dependency`);
      } else if (resolved === undefined || !/\.d\.[cm]?ts$/.test(resolved.resolvedFileName)) {
        unusable.push(`${file} imports ${specifier}, which has no type declarations (resolved to ${resolved?.resolvedFileName ?? 'nothing'})`);
      }
    }
  }
  expect(imports).toBeGreaterThan(0);
  expect(unusable).toEqual([]);
});

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Runs tsc on `tsconfig`; resolves with its exit status and everything it printed. */
function typeCheck(tsconfig: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TSC, '-p', tsconfig], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

// Each run parses aws-cdk-lib's declarations (its root module names every service), most of its
// time; the two resolutions run side by side rather than one after the other.
test('TypeScript resolves the types of all three entry points with moduleResolution node16 and node10', async () => {
  const resolutions = [
    { module: 'node16', moduleResolution: 'node16' },
    { module: 'commonjs', moduleResolution: 'node10' },
  ];
  const results = await Promise.all(resolutions.map((resolution) => {
    const tsconfig = path.join(project, `tsconfig.${resolution.moduleResolution}.json`);
    fs.writeFileSync(tsconfig, JSON.stringify({
      // skipLibCheck: batchkit's declarations are still read, so an entry point that does not resolve
      // or lacks an export is an error in app.ts; what is skipped is checking every declaration file.
      compilerOptions: { ...resolution, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files: ['app.ts'],
    }));
    return typeCheck(tsconfig).then((result) => ({ moduleResolution: resolution.moduleResolution, ...result }));
  }));
  expect(results).toEqual([
    { moduleResolution: 'node16', status: 0, output: '' },
    { moduleResolution: 'node10', status: 0, output: '' },
  ]);
}, 120_000);

#!/usr/bin/env node
'use strict';
// `npm start`: batchkit end to end on this machine, in a minute or two. Builds if the sources
// changed since the last build, synthesizes the example CDK app, prints `batchkit check` of
// it, then runs the example workflow on the local engine loaded from the synthesized
// template, and exits with the run's exit code. Jobs run in containers (the example's image,
// built from examples/image) where docker or podman answers and the image's base is present or
// can be pulled, as host processes otherwise (it says why). Every step is the real CLI in a
// child process, exactly what a user would type.
//
// Usage: node scripts/start.js [--workdir <dir>]
//   --workdir  where cdk.out/ and .batchkit/ go (default: the repository); tests use a temp dir.
const { spawnSync, spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.join(__dirname, '..');
const COMPILED_DIRS = ['lib', 'runtime', 'test', 'examples', 'integ', 'bench', 'scripts'];
const BUILD_INFO = path.join(ROOT, 'dist', '.tsbuildinfo');
/** Start data directories kept: the newest previous one stays for `batchkit logs`/`status` on its run. */
const KEPT_START_DIRS = 2;

async function main(argv) {
  const workdir = path.resolve(optionValue(argv, '--workdir') ?? ROOT);
  const started = Date.now();
  // The SDK warns on Node 20 about releases due in 2027; the package supports Node 20 (engines), so the warning is noise here.
  const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

  step('build', 'build');
  if (needsBuild()) {
    say('compiling (tsc, incremental)');
    runOrExit(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] })], { env, label: 'tsc' });
    // tsc leaves its build info alone when no output changed; touching it records that the sources were checked.
    if (fs.existsSync(BUILD_INFO)) fs.utimesSync(BUILD_INFO, new Date(), new Date());
  } else {
    say('dist/ is newer than every source file: nothing to compile');
  }

  step('synth', 'synthesize the example app');
  const outdir = path.join(workdir, 'cdk.out');
  const synth = spawnSync(process.execPath, ['-e', `
    const { synthExamples } = require(${JSON.stringify(path.join(__dirname, 'synth-examples.js'))});
    for (const t of synthExamples(${JSON.stringify(outdir)})) console.log(t);
  `], { cwd: ROOT, env, encoding: 'utf8' });
  const templates = (synth.stdout ?? '').split('\n').filter((line) => line.endsWith('.template.json'));
  if (synth.status !== 0 || templates.length === 0) {
    process.stderr.write(synth.stderr ?? '');
    fail(`synthesizing the example app failed (exit code ${synth.status}); run \`node scripts/synth-examples.js\` to see why`);
  }
  for (const template of templates) say(`wrote ${shown(template)}`);

  step('check', `batchkit check ${shown(outdir)}`);
  const check = spawnSync(process.execPath, [cli(), 'check', outdir], { stdio: 'inherit', env });
  if (check.status === 2 || check.status === null) fail('batchkit check could not read the synthesized app');
  if (check.status === 1) say('(the checks found errors; the local engine runs the example anyway)');

  step('run', 'run the example workflow on the local engine');
  const launcher = await chooseLauncher();
  say(`launcher: ${launcher.description}`);
  const stateDir = path.join(workdir, '.batchkit');
  const dataDir = freshDataDir(path.join(stateDir, 'start'));
  const args = [
    cli(), 'run', shown(path.join(ROOT, 'examples', 'workflow.yaml')), '--local',
    ...templates.flatMap((t) => ['--template', shown(t)]),
    '--data-dir', shown(dataDir),
    '--journal-dir', shown(path.join(stateDir, 'runs')),
    '--launcher', launcher.kind,
  ];
  say(`$ batchkit ${args.slice(1).join(' ')}`);
  const run = spawn(process.execPath, args, { stdio: 'inherit', env });
  // Ctrl-C reaches the CLI too (same process group): it stops following and prints how to resume.
  const ignoreSigint = () => undefined;
  process.on('SIGINT', ignoreSigint);
  run.on('exit', (code, signal) => {
    process.off('SIGINT', ignoreSigint);
    endPhase();
    say(`\nnpm start took ${seconds(Date.now() - started)} (${phases.join(', ')}); jobs ran as ${launcher.description}`);
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}

/** The images the example's jobs start from: the base of examples/image and the workflow join jobs' image. */
function exampleBaseImages() {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'examples', 'image', 'Dockerfile'), 'utf8');
  const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gim)].map((match) => match[1]);
  const { JOIN_JOB_IMAGE } = require(path.join(ROOT, 'dist', 'runtime', 'model', 'join-jobs.js'));
  return [...new Set([...bases, JOIN_JOB_IMAGE])];
}

/**
 * `--launcher auto` (containers) when the engine would find a container runtime (the same search,
 * from dist/) and every base image is present or can be pulled now; `--launcher process`, with
 * why, otherwise. BATCHKIT_LAUNCHER, when set, decides instead.
 */
async function chooseLauncher() {
  const forced = process.env.BATCHKIT_LAUNCHER;
  if (forced === 'process') return { kind: 'process', description: 'host processes (--launcher process: BATCHKIT_LAUNCHER=process)' };
  if (forced === 'container') return { kind: 'container', description: 'containers (--launcher container: BATCHKIT_LAUNCHER=container)' };
  const { cliFailure, findContainerCli, runContainerCli } = require(path.join(ROOT, 'dist', 'runtime', 'engine', 'container-cli.js'));
  const found = await findContainerCli();
  if (!found.cli) {
    return { kind: 'process', description: `host processes (--launcher process: no container runtime answers: ${found.failures.join('; ')})` };
  }
  const { cli } = found;
  for (const image of exampleBaseImages()) {
    if ((await runContainerCli(cli, ['image', 'inspect', '--format', '{{.Id}}', image])).code === 0) continue;
    say(`pulling ${image} (the example's image starts from it) ...`);
    const pulled = await runContainerCli(cli, ['pull', image], 5 * 60 * 1000);
    if (pulled.code !== 0) {
      return { kind: 'process', description: `host processes (--launcher process: ${cli.kind} answers, but the base image ${image} is not here and cannot be pulled: ${cliFailure(pulled)})` };
    }
  }
  return { kind: 'auto', description: `containers via ${cli.kind} ${cli.version} (--launcher auto)` };
}

/** True when dist/ is missing or a TypeScript source (or tsconfig) changed after the last build. */
function needsBuild() {
  let built;
  try {
    built = fs.statSync(BUILD_INFO).mtimeMs;
  } catch {
    return true;
  }
  const newer = (file) => fs.statSync(file).mtimeMs > built;
  if (newer(path.join(ROOT, 'tsconfig.json')) || newer(path.join(ROOT, 'package.json'))) return true;
  const stack = COMPILED_DIRS.map((d) => path.join(ROOT, d)).filter((d) => fs.existsSync(d));
  while (stack.length > 0) {
    const dir = stack.pop();
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !entry.name.endsWith('.snapshot')) stack.push(full);
      } else if (/\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') && newer(full)) {
        return true;
      }
    }
  }
  return false;
}

/** A new data directory per start, so a second `npm start` never meets the first one's jobs; older ones are removed. */
function freshDataDir(parent) {
  fs.mkdirSync(parent, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const previous = fs.readdirSync(parent).filter((name) => /^\d{8}T\d{6}Z(-\d+)?$/.test(name)).sort();
  for (const old of previous.slice(0, Math.max(0, previous.length - (KEPT_START_DIRS - 1)))) {
    fs.rmSync(path.join(parent, old), { recursive: true, force: true });
  }
  let dir = path.join(parent, stamp);
  for (let n = 1; fs.existsSync(dir) && n < 100; n++) dir = path.join(parent, `${stamp}-${n}`);
  fs.mkdirSync(dir);
  return dir;
}

function runOrExit(command, args, { env, label }) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
  if (result.status !== 0) fail(`${label} failed (exit code ${result.status})`);
}

function cli() {
  return path.join(ROOT, 'bin', 'batchkit.js');
}

function optionValue(argv, name) {
  const index = argv.indexOf(name);
  if (index === -1) return undefined;
  if (index === argv.length - 1) fail(`${name} needs a value, e.g. ${name} /tmp/batchkit-start`, 2);
  return argv[index + 1];
}

/** Phases done so far with their durations, for the closing line. */
const phases = [];
let currentPhase;

function step(name, title) {
  endPhase();
  currentPhase = { name, startedAt: Date.now() };
  process.stdout.write(`\n== ${title}\n`);
}

function endPhase() {
  if (currentPhase) phases.push(`${currentPhase.name} ${seconds(Date.now() - currentPhase.startedAt)}`);
  currentPhase = undefined;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** A path as short as it reads well: relative to the current directory when inside it. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

function say(line) {
  process.stdout.write(`${line}\n`);
}

function fail(message, exitCode = 1) {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(exitCode);
}

main(process.argv.slice(2)).catch((err) => fail(err.stack ?? String(err)));

#!/usr/bin/env node
'use strict';
// Runs every benchmark in bench/ (and the load driver of the integration suite), one after
// another so they do not compete for the cores, collects their figures and writes
// docs/benchmarks.md: each figure beside the baseline measured in the same run, and the machine.
//
// A benchmark reports figures by printing, as its last such line,
//   BENCH_JSON {"bench": "<name>", "figures": [{"name", "value", "unit", "baseline"?: {"name", "value"}, "better"?: "lower"|"higher"}]}
// Benchmarks that do not print one yet are read through the parsers below (their current
// output), and the report says so.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const benchDir = path.join(root, 'bench');
const reportFile = path.join(root, 'docs', 'benchmarks.md');
// A benchmark that hangs (a lost child exit, say) is reported as failed instead of stalling the report.
const TIMEOUT_MS = 5 * 60 * 1000;

/** bench/*.ts that another bench imports are helpers, not benchmarks. */
function benchmarkFiles() {
  const files = fs.readdirSync(benchDir).filter((f) => f.endsWith('.ts')).sort();
  const sources = files.map((f) => fs.readFileSync(path.join(benchDir, f), 'utf8'));
  const helpers = new Set(files.filter((f) => sources.some((s) => s.includes(`'./${f.replace(/\.ts$/, '')}'`))));
  return files.filter((f) => !helpers.has(f)).map((f) => ({ name: f.replace(/\.ts$/, ''), args: [path.join('bench', f)] }));
}

const num = (text) => Number(String(text).replace(/,/g, ''));

/** Figures read from the current output of benchmarks that print no BENCH_JSON line. */
const PARSERS = {
  synth: (out) => {
    const plain = out.match(/plain L2: ([\d.]+) ms, (\d+) resources/);
    const kit = out.match(/batchkit: ([\d.]+) ms, (\d+) resources/);
    return plain && kit ? [
      { name: 'synth time of the same setup', value: num(kit[1]), unit: 'ms', baseline: { name: 'plain aws-batch L2', value: num(plain[1]) }, better: 'lower' },
      { name: 'CloudFormation resources of the same setup', value: num(kit[2]), unit: 'resources', baseline: { name: 'plain aws-batch L2', value: num(plain[2]) }, better: 'lower' },
    ] : [];
  },
  'engine-dispatch': (out) => {
    const rounds = [...out.matchAll(/xargs -P \d+ (\d+) ms, local engine (\d+) ms/g)];
    if (rounds.length === 0) return [];
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const processes = out.match(/processes: (\d+) per run/);
    return [{
      name: `time to run ${processes ? processes[1] : 'N'} short processes (median round)`, value: median(rounds.map((r) => num(r[2]))), unit: 'ms',
      baseline: { name: 'raw process spawning (xargs -P <cores>)', value: median(rounds.map((r) => num(r[1]))) }, better: 'lower',
    }];
  },
  'api-throughput': (out) => {
    const rows = Object.fromEntries([...out.matchAll(/^(local server|moto_server)\s+([\d.,]+)\s+([\d.,]+)\s+([\d.,]+)/gm)].map((m) => [m[1], m.slice(2).map(num)]));
    if (!rows['local server'] || !rows.moto_server) return [];
    const [ours, theirs] = [rows['local server'], rows.moto_server];
    return [
      { name: 'SubmitJob/s through the SDK', value: ours[0], unit: '/s', baseline: { name: 'moto_server', value: theirs[0] }, better: 'higher' },
      { name: 'DescribeJobs/s through the SDK', value: ours[1], unit: '/s', baseline: { name: 'moto_server', value: theirs[1] }, better: 'higher' },
      { name: 'SubmitJob/s on bare HTTP', value: ours[2], unit: '/s', baseline: { name: 'moto_server', value: theirs[2] }, better: 'higher' },
    ];
  },
  tracking: (out) => {
    const ours = out.match(/batchkit tracker: (\d+) DescribeJobs calls/);
    const perJob = out.match(/one call per open job: (\d+) calls/);
    const hundred = out.match(/100 ids per call, every child listed: (\d+) calls/);
    return ours ? [
      perJob && { name: 'DescribeJobs calls to track the run', value: num(ours[1]), unit: 'calls', baseline: { name: 'one describe per job per poll', value: num(perJob[1]) }, better: 'lower' },
      hundred && { name: 'DescribeJobs calls to track the run', value: num(ours[1]), unit: 'calls', baseline: { name: '100 ids per call, every array child listed', value: num(hundred[1]) }, better: 'lower' },
    ].filter(Boolean) : [];
  },
  'engine-memory': (out) => {
    const before = out.match(/before the engine:\s+rss\s+([\d.]+)\s*MB/i);
    const held = out.match(/holding ([\d,]+) jobs:\s+rss\s+([\d.]+)\s*MB/i);
    return held ? [{
      // The baseline is a floor, not a competitor: no better or worse.
      name: `resident memory holding ${held[1]} jobs`, value: num(held[2]), unit: 'MB',
      baseline: before ? { name: 'the same process before opening the engine', value: num(before[1]) } : undefined,
    }] : [];
  },
  plan: (out) => [
    ['validate', /validate: ([\d.]+) ms/], ['plan', /plan: ([\d.]+) ms/], ['parse YAML + validate', /parse YAML .*?: ([\d.]+) ms/],
  ].flatMap(([name, pattern]) => {
    const m = out.match(pattern);
    return m ? [{ name: `${name} of the benchmark workflow (${(out.match(/steps: (\d+)/) || [])[1] ?? '?'} steps)`, value: num(m[1]), unit: 'ms', better: 'lower' }] : [];
  }),
};

function run(bench) {
  const started = Date.now();
  // ts-node's own entry rather than npx: on a timeout the kill reaches the benchmark itself.
  const result = spawnSync(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--swc', ...bench.args], {
    cwd: root, encoding: 'utf8', timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}`;
  const seconds = (Date.now() - started) / 1000;
  const jsonLine = output.split('\n').reverse().find((line) => line.startsWith('BENCH_JSON '));
  let figures = [];
  let source = 'none';
  if (jsonLine) {
    figures = JSON.parse(jsonLine.slice('BENCH_JSON '.length)).figures;
    source = 'BENCH_JSON';
  } else if (PARSERS[bench.name]) {
    figures = PARSERS[bench.name](output);
    source = figures.length > 0 ? 'parsed output (no BENCH_JSON line)' : 'none: output not recognised';
  }
  const failed = result.status !== 0 ? (result.error ? result.error.message : `exit ${result.status}${result.signal ? ` (${result.signal})` : ''}`) : undefined;
  return { ...bench, output: output.replace(/^BENCH_JSON .*\n?/gm, '').trim(), stderr: (result.stderr ?? '').trim(), figures, source, seconds, failed };
}

function ratioText(figure) {
  if (!figure.baseline || !figure.baseline.value) return '';
  const ratio = figure.value / figure.baseline.value;
  const shown = ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
  if (!figure.better) return `${shown}x`;
  const better = figure.better === 'higher' ? ratio >= 1 : ratio <= 1;
  const factor = ratio >= 1 ? ratio : 1 / ratio;
  return `${shown}x (${better ? 'better' : 'worse'} by ${factor.toFixed(factor >= 10 ? 0 : 2)}x)`;
}

function report(results) {
  const cpus = os.cpus();
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (scripts/bench.js); do not edit by hand. -->',
    '',
    'Each figure sits beside its baseline measured in the same run on the same machine, so the',
    'ratio holds where the absolute numbers do not. Regenerate with `npm run bench`; CI does not',
    'run these (they take minutes), the integration suite checks behaviour instead (docs/testing.md).',
    '',
    '## Machine',
    '',
    `- ${cpus.length} cores (${cpus[0] ? cpus[0].model.trim() : 'unknown CPU'}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory`,
    `- Node ${process.version} on ${os.platform()} ${os.release()} (${os.arch()})`,
    `- run at ${new Date().toISOString()}`,
    '',
    '## Figures',
    '',
    '| benchmark | figure | value | baseline | baseline value | ratio |',
    '| --- | --- | ---: | --- | ---: | ---: |',
  ];
  for (const r of results) {
    if (r.figures.length === 0) {
      lines.push(`| ${r.name} | ${r.failed ? `failed: ${r.failed}` : `no figures (${r.source})`} | | | | |`);
    }
    for (const f of r.figures) {
      lines.push(`| ${r.name} | ${f.name} | ${f.value} ${f.unit} | ${f.baseline ? f.baseline.name : '-'} | ${f.baseline ? `${f.baseline.value} ${f.unit}` : ''} | ${ratioText(f)} |`);
    }
  }
  lines.push('', '## Runs', '');
  for (const r of results) {
    lines.push(`### ${r.name}`, '', `\`npx ts-node --swc ${r.args.join(' ')}\`: ${r.seconds.toFixed(0)} s, ${r.failed ? `FAILED (${r.failed})` : 'ok'}; figures from ${r.source}.`, '');
    lines.push('```', r.output || '(no output)', ...(r.failed && r.stderr ? ['--- stderr (last lines) ---', ...r.stderr.split('\n').slice(-15)] : []), '```', '');
  }
  return `${lines.join('\n')}\n`;
}

function main() {
  const only = process.argv.slice(2);
  const benches = [...benchmarkFiles(), { name: 'load', args: ['test/integration/load-driver.ts', '10000'] }]
    .filter((b) => only.length === 0 || only.includes(b.name));
  const results = [];
  for (const bench of benches) {
    console.log(`bench: running ${bench.name} ...`);
    const result = run(bench);
    console.log(`bench: ${bench.name} ${result.failed ? `FAILED (${result.failed})` : 'ok'} in ${result.seconds.toFixed(0)} s, ${result.figures.length} figure(s) from ${result.source}`);
    results.push(result);
  }
  fs.writeFileSync(reportFile, report(results));
  console.log(`bench: wrote ${path.relative(process.cwd(), reportFile)}`);
  if (results.some((r) => r.failed)) process.exitCode = 1;
}

main();

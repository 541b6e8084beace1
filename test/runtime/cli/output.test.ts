import { colourEnabled, createOutput, formatDuration, formatTable } from '../../../runtime/cli/output';
import { RunProgress } from '../../../runtime/cli/follow';
import { createProgressView, formatCounts } from '../../../runtime/cli/progress';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { stream: { isTTY, write: (c: string) => chunks.push(c) }, text: () => chunks.join('') };
}

describe('output', () => {
  test('colour only on a TTY, never with NO_COLOR', () => {
    expect(colourEnabled(true, {})).toBe(true);
    expect(colourEnabled(false, {})).toBe(false);
    expect(colourEnabled(true, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled(false, { FORCE_COLOR: '1' })).toBe(true);
  });

  test('non-TTY lines carry an ISO timestamp and no escape codes', () => {
    // GIVEN
    const out = sink(false);
    const output = createOutput({ stdout: out.stream, env: {}, now: () => Date.UTC(2026, 0, 2, 3, 4, 5) });
    // WHEN
    output.info(output.style.red('job failed'));
    // THEN
    expect(out.text()).toBe('2026-01-02T03:04:05.000Z job failed\n');
  });

  test('--json writes the document only', () => {
    const out = sink(true);
    const output = createOutput({ stdout: out.stream, json: true, env: {} });
    output.info('hidden');
    output.plain('hidden');
    output.document({ ok: true });
    expect(JSON.parse(out.text())).toEqual({ ok: true });
  });

  test('tables align columns and ignore escape codes in widths', () => {
    expect(formatTable(['step', 'status'], [['\u001b[31mprep\u001b[39m', 'FAILED'], ['fan-out', 'SUCCEEDED']])).toEqual([
      'step     status',
      '-------  ---------',
      '\u001b[31mprep\u001b[39m     FAILED',
      'fan-out  SUCCEEDED',
    ]);
  });

  test.each([[850, '850ms'], [12_340, '12.3s'], [245_000, '4m05s'], [3_720_000, '1h02m']])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('progress', () => {
  test('counts follow Batch state order and leave zeros out', () => {
    expect(formatCounts({ SUCCEEDED: 4, RUNNING: 2, PENDING: 0, FAILED: 1 })).toBe('RUNNING 2 · SUCCEEDED 4 · FAILED 1');
  });

  test('off a TTY, a line per change at most every interval, and the last state on stop', () => {
    // GIVEN
    let clock = 0;
    const out = sink(false);
    const output = createOutput({ stdout: out.stream, env: {}, now: () => clock });
    const view = createProgressView(output, { minLineIntervalMs: 1000, now: () => clock });
    // WHEN
    view.update({ total: 3, counts: { RUNNING: 3 }, elapsedMs: 0 });
    clock = 500;
    view.update({ total: 3, counts: { RUNNING: 2, SUCCEEDED: 1 }, elapsedMs: 500 });
    clock = 600;
    view.update({ total: 3, counts: { RUNNING: 1, SUCCEEDED: 2 }, elapsedMs: 600 });
    view.stop();
    // THEN
    const lines = out.text().trim().split('\n').map((l) => l.replace(/^\S+ /, ''));
    expect(lines).toEqual(['0/3 done · RUNNING 3 · 0ms', '2/3 done · RUNNING 1 · SUCCEEDED 2 · 600ms']);
  });
});

describe('a step Batch cannot place', () => {
  test('is said once per job and reason, on stderr, with what the run waits for', () => {
    // GIVEN
    const out = sink(false);
    const err = sink(false);
    const progress = new RunProgress(createOutput({ stdout: out.stream, stderr: err.stream, env: {}, now: () => Date.UTC(2026, 0, 2) }), () => Date.UTC(2026, 0, 2));
    // WHEN: a misconfigured job twice, then a job waiting for EC2 capacity
    progress.blocked('run-1', 'train', 'job-a', 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - too big');
    progress.blocked('run-1', 'train', 'job-a', 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - too big');
    progress.blocked('run-1', 'spot', 'job-b', 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - no c5 left');
    // THEN
    expect(out.text()).toBe('');
    expect(err.text().split('\n').filter(Boolean).map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'step train: job job-a stays RUNNABLE, Batch cannot place it: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - too big',
      "  The run waits until the job definition or the queue's compute environments change; `batchkit cancel run-1` stops it.",
      'step spot: job job-b stays RUNNABLE, Batch cannot place it: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - no c5 left',
      '  The run waits until EC2 has capacity for it again; `batchkit cancel run-1` stops it.',
    ]);
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { defineWorkflow, RunEvent, startRun, StepDefinition } from '../../../runtime/workflow';
import { LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});

describe('tracking a 5,000-job run', () => {
  test('makes exactly ceil(open jobs / 100) DescribeJobs calls per poll, an array costing one id', async () => {
    // GIVEN: 3,000 single jobs and a 2,000-child array behind two gates that fail when the test
    // opens them (A after the 2nd poll, B once A's jobs have all failed), so the open set shrinks in stages; the jobs
    // fail by cascade, without a process each: the test measures the tracker, not the host
    const gateFile = (name: string) => path.join(local.dir, `${name}.open`);
    const gate = (name: string): StepDefinition => ({ command: ['sh', '-c', 'while [ ! -f "$1" ]; do sleep 0.05; done; exit 1', 'gate', gateFile(name)] });
    const behind = (gateName: string, from: number, count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`s${from + i}`, { dependsOn: [gateName] }]));
    const workflow = defineWorkflow({
      name: 'wide',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: {
        gateA: gate('a'), gateB: gate('b'),
        ...behind('gateA', 0, 1500), ...behind('gateB', 1500, 1498),
        children: { arraySize: 2000, dependsOn: ['gateB'] },
      },
    });
    const polls: Array<Extract<RunEvent, { type: 'poll' }>> = [];
    const onEvent = (e: RunEvent) => {
      if (e.type !== 'poll') {
        return;
      }
      polls.push(e);
      if (polls.length === 2) {
        fs.writeFileSync(gateFile('a'), '');
      } else if ((e.openJobs === 1500 || polls.length > 100) && !fs.existsSync(gateFile('b'))) {
        // gate A's jobs have all failed (or something is wrong and the assertions will say what)
        fs.writeFileSync(gateFile('b'), '');
      }
    };
    const run = await startRun(workflow, {
      client: local.client, journalDir: path.join(local.dir, 'journal'), submitsPerSecond: 100_000, submitConcurrency: 16,
      poll: { minIntervalMs: 100, maxIntervalMs: 200 }, onEvent,
    });
    await run.submitted;
    const describesBefore = local.requestCounts.describeJobs ?? 0;
    // WHEN
    const report = await run.wait();
    run.close();
    // THEN: 5,000 jobs tracked with one id per job, the array as one
    const describes = (local.requestCounts.describeJobs ?? 0) - describesBefore;
    expect(report.jobCounts).toEqual({ FAILED: 5000 });
    expect(polls[0]).toEqual(expect.objectContaining({ describedJobs: 3001, describeCalls: 31 }));
    polls.forEach((poll, i) => {
      expect(poll.describeCalls).toBe(Math.ceil(poll.describedJobs / 100));
      if (i > 0) {
        expect(poll.describedJobs).toBe(polls[i - 1].openJobs);
      }
    });
    // the open set shrank in stages (gate A's 1,501 jobs first), and the calls with it
    expect(polls.map((p) => p.openJobs)).toContain(1500);
    expect(polls.some((p) => p.describeCalls === 15)).toBe(true);
    expect(describes).toBe(polls.reduce((sum, p) => sum + p.describeCalls, 0));
    expect(polls[polls.length - 1].openJobs).toBe(0);
  });
});

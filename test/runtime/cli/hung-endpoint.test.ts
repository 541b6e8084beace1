/**
 * `batchkit run --endpoint` against an endpoint whose answers never come (a black-hole proxy in
 * front of the real local server): a hang that clears is outlasted and the run succeeds; one
 * that never clears ends the command with the reason on stderr, the run FAILED, and no job
 * submitted twice. Never a command that waits forever.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BlackHoleProxy, startBlackHoleProxy } from '../../integration/black-hole-proxy';
import { jobsByName, LocalBatch, startLocalBatch } from '../workflow/local-batch';
import { runCli } from './cli-process';

let local: LocalBatch;
let proxy: BlackHoleProxy;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});
beforeEach(async () => {
  proxy = await startBlackHoleProxy(local.url);
});
afterEach(async () => {
  await proxy.close();
});

function workflow(name: string): string {
  const file = path.join(local.dir, `${name}.yaml`);
  fs.writeFileSync(file, `name: ${name}\ndefaults:\n  jobQueue: ${local.queue}\n  jobDefinition: ${local.shellJobDefinition}\nsteps:\n  a: {}\n  b: { dependsOn: [a] }\n  c: { dependsOn: [b] }\n`);
  return file;
}

const run = (name: string) => runCli(['run', workflow(name), '--endpoint', proxy.url, '--request-timeout', '0.3', '--journal-dir', path.join(local.dir, 'runs'), '--run-id', name],
  { timeoutMs: 90_000 });

test('DescribeJobs answers that never come are retried until the hang clears, and the run succeeds', async () => {
  // GIVEN: the next three DescribeJobs requests vanish
  proxy.holes.set('/v1/describejobs', { count: 3, where: 'before-forwarding' });
  // WHEN
  const result = await run('outlasted');
  // THEN
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/DescribeJobs failed \(TimeoutError: .*300 ms.*\); retry 1 in/);
  expect([...(await jobsByName(local.client, local.queue)).entries()].filter(([name]) => name.startsWith('outlasted__')).map(([, n]) => n)).toEqual([1, 1, 1]);
}, 60_000);

test('a SubmitJob hang that never clears ends the command with the reason on stderr and the run FAILED', async () => {
  // GIVEN: every SubmitJob after the first vanishes before reaching the server
  proxy.holes.set('/v1/submitjob', { skip: 1, count: Infinity, where: 'before-forwarding' });
  // WHEN: the default 8 attempts, each timing out after 0.3 s
  const result = await run('swallowed');
  const status = await runCli(['status', 'swallowed', '--journal-dir', path.join(local.dir, 'runs'), '--json']);
  // THEN: the command ended, saying why on stderr; the run is FAILED with the reason; `a` went in
  // once and was stopped, `b` and `c` never went in
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/submission of run 'swallowed' failed, nothing more is submitted and the run is FAILED: SubmitJob failed after 8 attempts: TimeoutError/);
  expect(proxy.requests.filter((r) => r.path === '/v1/submitjob' && r.held)).toHaveLength(8);
  const counts = await jobsByName(local.client, local.queue);
  expect(['a', 'b', 'c'].map((step) => counts.get(`swallowed__${step}`) ?? 0)).toEqual([1, 0, 0]);
  expect(JSON.parse(status.stdout)).toEqual(expect.objectContaining({ status: 'FAILED', statusReason: expect.stringMatching(/TimeoutError.*; 1 submitted job stopped$/) }));
}, 90_000);

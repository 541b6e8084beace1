/**
 * `batchkit local serve --watch` and a busy `--port`, through the built CLI (`bin/batchkit.js`,
 * which runs `dist/`), with a template file rewritten on disk as `cdk synth` does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchClient, DescribeJobQueuesCommand } from '@aws-sdk/client-batch';
import type { LocalServeReady } from '../../../runtime/cli/commands/local-serve';
import type { TemplateWatchEvent } from '../../../runtime/template/template-watch';
import { synthesizeWatchedStack } from '../template/watched-stack';
import { cliEnv, startCli } from './cli-process';

let tempDir: string;
let templateFile: string;

beforeAll(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'batchkit-serve-watch-'));
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

beforeEach(() => {
  templateFile = join(mkdtempSync(join(tempDir, 'cdk.out-')), 'Watched.template.json');
});

function serveArgs(...extra: string[]): string[] {
  return ['local', 'serve', '--port', '0', '--template', templateFile, '--data-dir', mkdtempSync(join(tempDir, 'data-')), ...extra];
}

const env = cliEnv({ NO_COLOR: '1' });

describe('batchkit local serve --watch', () => {
  test('applies a rewritten template: the queue is updated in place and the removed queue deleted', async () => {
    // GIVEN
    writeFileSync(templateFile, JSON.stringify(synthesizeWatchedStack({ script: 'true', extraQueue: true })));
    const run = startCli(serveArgs('--watch', '--json'), { cwd: tempDir, env });
    await run.waitForStdout((out) => out.includes('\n'));
    const ready = JSON.parse(run.output().stdout.split('\n')[0]) as LocalServeReady;
    const batch = new BatchClient({ endpoint: ready.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    try {
      // WHEN
      writeFileSync(templateFile, JSON.stringify(synthesizeWatchedStack({ script: 'true', priority: 20 })));
      await run.waitForStdout((out) => out.includes('"templateChange"'));

      // THEN
      const line = run.output().stdout.split('\n').find((l) => l.includes('"templateChange"'))!;
      const event = (JSON.parse(line) as { templateChange: TemplateWatchEvent }).templateChange;
      expect(event).toMatchObject({ kind: 'applied', changes: [
        { type: 'AWS::Batch::JobQueue', name: 'watched-main', action: 'updated', detail: 'priority 10 -> 20' },
        { type: 'AWS::Batch::JobQueue', name: 'watched-extra', action: 'deleted' },
      ] });
      const queues = (await batch.send(new DescribeJobQueuesCommand({}))).jobQueues!;
      expect(queues.map((q) => [q.jobQueueName, q.priority])).toEqual([['watched-main', 20]]);
    } finally {
      batch.destroy();
      run.child.kill('SIGTERM');
    }
    expect((await run.done).code).toBe(0);
  });

  test('reports a half-written template in the log and keeps serving', async () => {
    // GIVEN
    writeFileSync(templateFile, JSON.stringify(synthesizeWatchedStack({ script: 'true' })));
    const run = startCli(serveArgs('--watch'), { cwd: tempDir, env });
    await run.waitForStdout((out) => out.includes('watching 1 template(s)'));

    // WHEN
    writeFileSync(templateFile, '{"Resources": {"Half');
    await run.waitForStdout((out) => out.includes('was not applied'));

    // THEN
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Watched\.template\.json changed but was not applied: template .*Watched\.template\.json is not JSON .*; the previous version stays in place/);
  });

  test('fails with exit 2 when --watch has no template', async () => {
    const result = await startCli(['local', 'serve', '--port', '0', '--watch', '--data-dir', mkdtempSync(join(tempDir, 'data-'))], { cwd: tempDir, env }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--watch needs a template to watch; got no --template file');
  });
});

describe('batchkit local serve on a busy port', () => {
  let busy: Server;
  let port: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
  });

  test('says which address is in use, suggests --port and exits 2', async () => {
    const result = await startCli(['local', 'serve', '--port', String(port), '--data-dir', mkdtempSync(join(tempDir, 'data-'))], { cwd: tempDir, env }).done;
    expect(result.code).toBe(2);
    const lines = result.stderr.split('\n').filter((l) => l !== '' && !l.includes('not authenticated'));
    expect(lines).toEqual([expect.stringContaining(`cannot listen on 127.0.0.1 port ${port}: the address is in use; choose another with --port (0 picks a free one)`)]);
    expect(result.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
  });
});

/**
 * `batchkit local serve` as users run it: the built CLI (`bin/batchkit.js`, which runs `dist/`)
 * in its own process, with the example app's synthesized template, driven through the SDK and
 * stopped by signals. CI runs `npm run build` before jest.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { BatchClient, DescribeJobsCommand, ListJobsCommand, SubmitJobCommand, type JobDetail } from '@aws-sdk/client-batch';
import type { LocalServeReady } from '../../../runtime/cli/commands/local-serve';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'batchkit.js');

type ServeProcess = ChildProcessByStdio<null, Readable, Readable>;

let tempDir: string;
let exampleTemplate: string;

beforeAll(() => {
  for (const built of ['dist/runtime/cli/main.js', 'dist/examples/app.js']) {
    if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` before these tests (npm test does)`);
  }
  tempDir = mkdtempSync(join(tmpdir(), 'batchkit-serve-'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { synthExamples } = require(join(ROOT, 'scripts', 'synth-examples.js')) as { synthExamples(outdir: string): string[] };
  [exampleTemplate] = synthExamples(join(tempDir, 'cdk.out'));
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

/** Starts `batchkit local serve` with the given arguments, collecting its output. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): { child: ServeProcess; stdoutLines: string[]; stderr: () => string; nextLine: () => Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'local', 'serve', ...args], { cwd: tempDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const stdoutLines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    waiting.splice(0).forEach((w) => w(`<exited with ${code}: ${stderr}>`));
    resolve(code);
  }));
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdoutLines.push(line);
    waiting.shift()?.(line);
  });
  let read = 0;
  const nextLine = () => (read < stdoutLines.length ? Promise.resolve(stdoutLines[read++]) : new Promise<string>((resolve) => {
    read++;
    waiting.push(resolve);
  }));
  return { child, stdoutLines, stderr: () => stderr, nextLine, exit };
}

async function waitForEnd(batch: BatchClient, jobId: string): Promise<JobDetail> {
  for (let i = 0; i < 400; i++) {
    const job = (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
    if (job?.status === 'SUCCEEDED' || job?.status === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} did not end within 400 polls`);
}

function client(endpoint: string): BatchClient {
  return new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
}

describe('batchkit local serve', () => {
  const dataDir = () => join(tempDir, 'engine-data');
  let firstJobId: string;

  test("loads the example app's template, serves the SDK, runs its jobs and exits 0 on SIGTERM", async () => {
    // GIVEN
    const run = serve(['--port', '0', '--json', '--template', exampleTemplate, '--data-dir', dataDir()]);
    const ready = JSON.parse(await run.nextLine()) as LocalServeReady;
    const batch = client(ready.endpoint);
    try {
      // THEN the template's resources are there, with their construct paths
      expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.findings).toEqual([]);
      expect(ready.resources).toEqual(expect.arrayContaining([
        expect.objectContaining({ type: 'AWS::Batch::JobQueue', name: 'batchkit-urgent', constructPath: 'BatchkitExample/Urgent/Resource', status: 'created' }),
        expect.objectContaining({ type: 'AWS::Batch::JobDefinition', name: 'batchkit-etl', constructPath: 'BatchkitExample/Etl/Default/Resource', status: 'created' }),
      ]));
      // WHEN jobs of the example run (the ETL job asks for 4 vCPUs and 8 GiB, more than a CI machine has: scaled down)
      const etl = await batch.send(new SubmitJobCommand({
        jobName: 'etl', jobQueue: 'batchkit-urgent', jobDefinition: 'batchkit-etl', parameters: { input: 's3://bucket/day' },
        containerOverrides: { resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '256' }] },
      }));
      const report = await batch.send(new SubmitJobCommand({ jobName: 'report', jobQueue: 'batchkit-background', jobDefinition: 'batchkit-report', dependsOn: [{ jobId: etl.jobId }] }));
      // THEN
      expect(await waitForEnd(batch, etl.jobId!)).toMatchObject({ status: 'SUCCEEDED', container: { command: ['sh', '-c', 'echo extracting s3://bucket/day'] } });
      expect(await waitForEnd(batch, report.jobId!)).toMatchObject({ status: 'SUCCEEDED' });
      firstJobId = etl.jobId!;
    } finally {
      batch.destroy();
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
  });

  test('a restart on the same data directory keeps the jobs and reuses the resources; exits 0 on SIGINT', async () => {
    // GIVEN
    const run = serve(['--port', '0', '--json', '--template', exampleTemplate, '--data-dir', dataDir()]);
    const ready = JSON.parse(await run.nextLine()) as LocalServeReady;
    const batch = client(ready.endpoint);
    try {
      // THEN
      expect(new Set(ready.resources.map((r) => r.status))).toEqual(new Set(['existing']));
      const jobs = await batch.send(new DescribeJobsCommand({ jobs: [firstJobId] }));
      expect(jobs.jobs).toMatchObject([{ jobId: firstJobId, status: 'SUCCEEDED' }]);
    } finally {
      batch.destroy();
      run.child.kill('SIGINT');
    }
    expect(await run.exit).toBe(0);
  });

  test('prints the endpoint and an aws CLI example that runs here: the smallest job definition a queue can place', async () => {
    // GIVEN
    const run = serve(['--port', '0', '--template', exampleTemplate]);
    // WHEN
    let line = '';
    while (!line.startsWith('Press Ctrl-C') && !line.startsWith('<exited')) line = await run.nextLine();
    run.child.kill('SIGTERM');
    // THEN
    expect(await run.exit).toBe(0);
    const text = run.stdoutLines.join('\n');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    expect(url).toBeDefined();
    // batchkit-etl (4 vCPUs) would stay RUNNABLE on a small machine; batchkit-report (1 vCPU, 2 GiB, Fargate) runs on the Fargate queue
    expect(text).toContain(`aws batch submit-job --job-name hello --job-queue batchkit-background --job-definition batchkit-report --endpoint-url ${url}`);
    expect(text).not.toContain('No job definition of these templates fits');
    expect(existsSync(join(tempDir, '.batchkit', 'local'))).toBe(true);
  });

  test('verifies SigV4 signatures with --access-key, warning that ps shows the secret', async () => {
    // GIVEN
    const run = serve(['--port', '0', '--json', '--access-key', 'AKIDLOCAL:s3cret', '--data-dir', join(tempDir, 'signed-data')]);
    const ready = JSON.parse(await run.nextLine()) as LocalServeReady;
    expect(ready.authentication).toBe('sigv4');
    const signed = new BatchClient({ endpoint: ready.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 's3cret' }, maxAttempts: 1 });
    try {
      // WHEN
      const unsigned = await fetch(`${ready.endpoint}/v1/describejobs`, { method: 'POST', body: '{"jobs":[]}' });
      const accepted = await signed.send(new DescribeJobsCommand({ jobs: ['none'] }));
      // THEN
      expect(unsigned.status).toBe(403);
      expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
      expect(accepted.jobs).toEqual([]);
    } finally {
      signed.destroy();
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toContain('warning: --access-key puts the secret on the command line, where every user of this machine can read it (ps); put the key in a file only you can read and pass --access-key-file FILE, or set BATCHKIT_ACCESS_KEYS');
    expect(run.stderr()).not.toContain('not authenticated');
  });

  test('says that requests are not authenticated, and who they run as, when no key is given', async () => {
    // GIVEN
    const run = serve(['--port', '0', '--json', '--data-dir', join(tempDir, 'open-data')]);
    const ready = JSON.parse(await run.nextLine()) as LocalServeReady;
    // WHEN
    const unsigned = await fetch(`${ready.endpoint}/v1/describejobs`, { method: 'POST', body: '{"jobs":[]}' });
    run.child.kill('SIGTERM');
    // THEN
    expect(await run.exit).toBe(0);
    expect(ready.authentication).toBe('none');
    expect(unsigned.status).toBe(200);
    expect(run.stderr()).toContain(`warning: requests are not authenticated: any process on this machine can run commands as ${userInfo().username} through this endpoint; turn on SigV4 with --access-key-file FILE or BATCHKIT_ACCESS_KEYS`);
  });

  test('refuses a simple cross-origin POST from a web page, and a rebound Host', async () => {
    // GIVEN
    const run = serve(['--port', '0', '--json', '--data-dir', join(tempDir, 'browser-data'), '--template', exampleTemplate]);
    const ready = JSON.parse(await run.nextLine()) as LocalServeReady;
    const batch = client(ready.endpoint);
    const port = new URL(ready.endpoint).port;
    try {
      // WHEN
      const fromPage = await fetch(`${ready.endpoint}/v1/submitjob`, {
        method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
        body: JSON.stringify({ jobName: 'from-page', jobQueue: 'batchkit-background', jobDefinition: 'batchkit-report' }),
      });
      const rebound = await new Promise<number | undefined>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/listjobs', headers: { host: `attacker-rebind.example:${port}`, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end('{"jobQueue":"batchkit-background"}');
      });
      // THEN
      expect(fromPage.status).toBe(403);
      expect(fromPage.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
      expect(rebound).toBe(403);
      const listed = await batch.send(new ListJobsCommand({ jobQueue: 'batchkit-background', filters: [{ name: 'JOB_NAME', values: ['from-page'] }] }));
      expect(listed.jobSummaryList).toEqual([]);
    } finally {
      batch.destroy();
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
  });

  test('verifies SigV4 with the keys of BATCHKIT_ACCESS_KEYS, which also lets it listen on every interface', async () => {
    // GIVEN
    const run = serve(['--port', '0', '--json', '--host', '0.0.0.0', '--data-dir', join(tempDir, 'env-keys')], { BATCHKIT_ACCESS_KEYS: 'AKIDONE:first-secret, AKIDTWO:second-secret' });
    const ready = JSON.parse(await run.nextLine()) as LocalServeReady;
    const endpoint = `http://127.0.0.1:${new URL(ready.endpoint).port}`;
    const signed = new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTWO', secretAccessKey: 'second-secret' }, maxAttempts: 1 });
    try {
      // WHEN
      const unsigned = await fetch(`${endpoint}/v1/describejobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jobs":[]}' });
      const accepted = await signed.send(new DescribeJobsCommand({ jobs: ['none'] }));
      // THEN
      expect(ready.authentication).toBe('sigv4');
      expect(unsigned.status).toBe(403);
      expect(accepted.jobs).toEqual([]);
    } finally {
      signed.destroy();
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toBe('');
  });

  test('verifies SigV4 with the keys of --access-key-file, and says so', async () => {
    // GIVEN
    const keyFile = join(tempDir, 'keys-private.txt');
    writeFileSync(keyFile, '# keys of the local engine\n\nAKIDFILE:file-secret\n', { mode: 0o600 });
    const run = serve(['--port', '0', '--access-key-file', keyFile, '--data-dir', join(tempDir, 'file-keys')]);
    let line = '';
    while (!line.startsWith('Press Ctrl-C') && !line.startsWith('<exited')) line = await run.nextLine();
    const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdoutLines.join('\n'))![1];
    const signed = new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDFILE', secretAccessKey: 'file-secret' }, maxAttempts: 1 });
    const wrongKey = client(endpoint);
    try {
      // WHEN
      const unsigned = await fetch(`${endpoint}/v1/describejobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jobs":[]}' });
      const refused = await wrongKey.send(new DescribeJobsCommand({ jobs: ['none'] })).catch((err: Error) => err);
      const accepted = await signed.send(new DescribeJobsCommand({ jobs: ['none'] }));
      // THEN
      expect(unsigned.status).toBe(403);
      expect(refused).toMatchObject({ name: 'UnrecognizedClientException' });
      expect(accepted.jobs).toEqual([]);
      expect(run.stdoutLines.join('\n')).toContain(`requests are authenticated: SigV4 signatures by 1 access key(s) from --access-key-file ${keyFile}`);
    } finally {
      signed.destroy();
      wrongKey.destroy();
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toBe('');
  });

  test('fails with exit 2 when the key file can be read by others, naming its mode and the fix', async () => {
    // GIVEN
    const keyFile = join(tempDir, 'keys-shared.txt');
    writeFileSync(keyFile, 'AKIDFILE:file-secret\n');
    chmodSync(keyFile, 0o644);
    // WHEN
    const run = serve(['--port', '0', '--access-key-file', keyFile, '--data-dir', join(tempDir, 'shared-keys')]);
    // THEN
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toBe(`batchkit: --access-key-file ${keyFile} has mode 0644: other users of this machine can read the secrets; run chmod 600 ${keyFile}\n`);
    expect(existsSync(join(tempDir, 'shared-keys'))).toBe(false);
  });

  test('fails with exit 2 when --host reaches beyond this machine and no key is given', async () => {
    // WHEN
    const run = serve(['--port', '0', '--host', '0.0.0.0', '--data-dir', join(tempDir, 'exposed')]);
    // THEN
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toBe(`batchkit: --host 0.0.0.0 lets other machines reach the endpoint, and without access keys anyone who reaches it can run commands as ${userInfo().username}; `
      + 'give keys with --access-key-file FILE or BATCHKIT_ACCESS_KEYS=id:secret, or pass --insecure-no-auth to accept that\n');
  });

  test('starts on every interface without keys with --insecure-no-auth, warning loudly', async () => {
    // GIVEN
    const run = serve(['--port', '0', '--json', '--host', '0.0.0.0', '--insecure-no-auth', '--data-dir', join(tempDir, 'insecure')]);
    const ready = JSON.parse(await run.nextLine()) as LocalServeReady;
    const port = new URL(ready.endpoint).port;
    // WHEN
    const unsigned = await fetch(`http://127.0.0.1:${port}/v1/describejobs`, { method: 'POST', body: '{"jobs":[]}' });
    run.child.kill('SIGTERM');
    // THEN
    expect(await run.exit).toBe(0);
    expect(ready.authentication).toBe('none');
    expect(unsigned.status).toBe(200);
    expect(run.stderr()).toContain(`WARNING: --insecure-no-auth: listening on 0.0.0.0 port ${port} without authentication: anyone who can reach this machine can run commands as ${userInfo().username} through this endpoint`);
  });

  test('fails with exit 1 and prints the error when a template resource cannot be created', async () => {
    // GIVEN
    const broken = join(tempDir, 'broken.template.json');
    writeFileSync(broken, JSON.stringify({ Resources: { Queue: { Type: 'AWS::Batch::JobQueue', Properties: { Priority: 1, ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: 'missing-ce' }] } } } }));
    // WHEN
    const run = serve(['--port', '0', '--template', broken, '--data-dir', join(tempDir, 'broken-data')]);
    // THEN
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toMatch(/error: Queue: Queue \(AWS::Batch::JobQueue\) was not created: .*missing-ce/);
    expect(run.stderr()).toContain('batchkit: 1 template resource(s) could not be created');
  });

  test('refuses a data directory another live process holds, as run --local does', async () => {
    // GIVEN: the first server holds the directory
    const dataDir = join(tempDir, 'locked-data');
    const first = serve(['--port', '0', '--json', '--data-dir', dataDir]);
    try {
      JSON.parse(await first.nextLine());
      // WHEN
      const second = serve(['--port', '0', '--data-dir', dataDir]);
      // THEN
      expect(await second.exit).toBe(2);
      expect(second.stderr()).toContain(`the local engine data directory ${dataDir} is in use by process ${first.child.pid}`);
    } finally {
      first.child.kill('SIGTERM');
    }
    expect(await first.exit).toBe(0);
    expect(existsSync(join(dataDir, 'batchkit-cli.lock'))).toBe(false);
  });

  test('fails with exit 2 when BATCHKIT_ACCESS_KEYS holds an entry without a secret, not showing the others', async () => {
    // WHEN
    const run = serve(['--port', '0'], { BATCHKIT_ACCESS_KEYS: 'AKIDONE:first-secret,AKIDTWO' });
    // THEN
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toBe("batchkit: BATCHKIT_ACCESS_KEYS entry 2 must be '<access key id>:<secret access key>', the id without spaces, slashes or commas, the secret not empty; got a value with no ':'\n");
  });

  test.each([
    [['--port', '70000'], "--port must be a whole number from 0 to 65535; got '70000'"],
    [['--template', 'no-such.template.json'], '--template no-such.template.json: cannot read the file'],
    [['--access-key', 'only-an-id'], "--access-key must be '<access key id>:<secret access key>'"],
    [['--access-key-file', 'no-such-keys.txt'], '--access-key-file no-such-keys.txt: cannot read the file (ENOENT)'],
    [['--allow-origin', '*'], "--allow-origin *: allowed origin '*' must be a scheme, host and optional port, like 'http://localhost:3000' (no path, no wildcard)"],
    [['--allow-host', 'bad host:x'], "--allow-host bad host:x: allowed host 'bad host:x' must be"],
    [['--bogus'], "error: unknown option '--bogus'"],
  ])('fails with exit 2 for bad usage: %j', async (args, message) => {
    // WHEN
    const run = serve(args);
    // THEN
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toContain(message);
  });

  test('fails with exit 2, no stack trace, when BATCHKIT_PROCESS_HELPER names no helper', async () => {
    // WHEN
    const run = serve(['--port', '0', '--data-dir', join(tempDir, 'helper-choice')], { BATCHKIT_PROCESS_HELPER: 'python' });
    // THEN
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toBe(`batchkit: the local engine cannot start: BATCHKIT_PROCESS_HELPER is "python": expected one of native, node (native: the C helper, built where a C compiler works; node: Node's own spawn)\n`);
  });
});

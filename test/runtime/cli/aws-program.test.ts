/**
 * A program written for AWS Batch in eu-west-1 runs unchanged against `batchkit local serve`:
 * the program (fixtures/eu-west-1-program.mjs) takes its region, credentials and endpoint from
 * the environment as the SDK does on AWS, signs every request for eu-west-1, sets up a fair-share
 * queue, registers a container and an ECS-properties job definition, submits under share
 * identifiers, and reads each job's output through CloudWatch Logs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LocalServeReady } from '../../../runtime/cli/commands/local-serve';
import { ROOT } from './cli-process';

const BIN = join(ROOT, 'bin', 'batchkit.js');
const PROGRAM = join(__dirname, 'fixtures', 'eu-west-1-program.mjs');
const ACCOUNT = '210987654321';
const KEY = { id: 'AKIDEUWEST', secret: 'eu-west-secret' };

let tempDir: string;

beforeAll(() => { tempDir = mkdtempSync(join(tmpdir(), 'batchkit-aws-program-')); });
afterAll(() => { rmSync(tempDir, { recursive: true, force: true }); });

/** Runs a node program to its end; resolves to its exit code and output. */
function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('SDK code written for eu-west-1 runs unchanged: fair share, container and ECS-properties jobs, output through CloudWatch Logs', async () => {
  // GIVEN the engine served for eu-west-1 in another account, with an access key, jobs as host processes
  const serve = spawn(process.execPath, [
    BIN, 'local', 'serve', '--port', '0', '--json', '--launcher', 'process', '--region', 'eu-west-1', '--account-id', ACCOUNT,
    '--access-key', `${KEY.id}:${KEY.secret}`, '--data-dir', join(tempDir, 'data'),
  ], { cwd: tempDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let serveErrors = '';
  serve.stderr.on('data', (chunk) => { serveErrors += chunk; });
  try {
    const [line] = await Promise.race([
      new Promise<string[]>((resolve) => createInterface({ input: serve.stdout }).once('line', (l) => resolve([l]))),
      new Promise<never>((_, reject) => serve.once('exit', (code) => reject(new Error(`local serve exited ${code}: ${serveErrors}`)))),
    ]);
    const ready = JSON.parse(line) as LocalServeReady;

    // WHEN the program runs with only the environment pointing it at the engine
    const { AWS_PROFILE: _profile, AWS_DEFAULT_REGION: _region, ...inherited } = process.env;
    const result = await runNode([PROGRAM], {
      ...inherited, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: KEY.id, AWS_SECRET_ACCESS_KEY: KEY.secret, AWS_ENDPOINT_URL: ready.endpoint, ACCOUNT_ID: ACCOUNT,
    });

    // THEN every ARN names eu-west-1 and the account, both jobs ran under their shares, and their output reads back
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(result.stdout) as { arns: string[]; jobs: Array<Record<string, unknown>>; output: string[][] };
    expect(report.arns).toHaveLength(7);
    for (const arn of report.arns) expect(arn).toMatch(new RegExp(`^arn:aws:batch:eu-west-1:${ACCOUNT}:`));
    expect(report.jobs).toEqual([
      { name: 'report', status: 'SUCCEEDED', shareIdentifier: 'research', schedulingPriority: 5, jobQueue: `arn:aws:batch:eu-west-1:${ACCOUNT}:job-queue/shared` },
      { name: 'ingest', status: 'SUCCEEDED', shareIdentifier: 'prod1', jobQueue: `arn:aws:batch:eu-west-1:${ACCOUNT}:job-queue/shared` },
    ]);
    expect(report.output).toEqual([['report for research'], ['ingest on shared']]);
  } finally {
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.once('close', resolve));
  }
}, 60_000);

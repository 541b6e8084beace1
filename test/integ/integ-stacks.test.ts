/**
 * Every integ test app (integ/integ.*.ts) synthesizes with cdk-nag's AwsSolutions pack leaving no
 * finding unsuppressed, at any level, and every template it writes passes cfn-lint. The
 * snapshots themselves are compared by `npm run integ:verify` (integ-runner, offline).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { NAG_REASONS } from '../../integ/support/nag-reasons';

const INTEG_DIR = path.join(__dirname, '..', '..', 'integ');
const INTEG_APPS = fs.readdirSync(INTEG_DIR).filter((file) => /^integ\..+\.ts$/.test(file)).sort();

interface Synthesized {
  readonly app: string;
  readonly exitCode: number | null;
  readonly output: string;
  readonly outdir: string;
}

let workDir: string;
let synthesized: Synthesized[];

/** Synthesizes one integ app the way integ-runner does (transpile-only), into its own directory. */
function synthesize(app: string): Promise<Synthesized> {
  const outdir = path.join(workDir, app);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(INTEG_DIR, app)], {
      env: { ...process.env, CDK_OUTDIR: outdir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk; });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve({ app, exitCode, output, outdir });
    });
  });
}

interface Statement {
  readonly Action?: string | string[];
  readonly Resource?: unknown;
}

/** Every IAM policy statement anywhere in a template's resources. */
function statementsIn(node: unknown): Statement[] {
  if (Array.isArray(node)) return node.flatMap(statementsIn);
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const own = Array.isArray(record.Statement) ? record.Statement as Statement[] : [];
  return [...own, ...Object.entries(record).filter(([key]) => key !== 'Statement').flatMap(([, value]) => statementsIn(value))];
}

/** Annotations cdk-nag left in a synthesized assembly (errors and warnings it did not see suppressed). */
function nagFindings(outdir: string): string[] {
  return fs.readdirSync(outdir).filter((file) => file.endsWith('.metadata.json')).flatMap((file) => {
    const metadata = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')) as Record<string, Array<{ type: string; data: unknown }>>;
    return Object.entries(metadata).flatMap(([constructPath, entries]) => entries
      .filter((entry) => ['aws:cdk:error', 'aws:cdk:warning', 'aws:cdk:info'].includes(entry.type) && String(entry.data).includes('AwsSolutions-'))
      .map((entry) => `${constructPath}: ${String(entry.data).split('\n')[0]}`));
  });
}

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-integ-'));
  synthesized = [];
  // Two at a time: CI has two cores.
  for (let i = 0; i < INTEG_APPS.length; i += 2) {
    synthesized.push(...await Promise.all(INTEG_APPS.slice(i, i + 2).map(synthesize)));
  }
}, 180_000);

afterAll(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('integ test apps', () => {
  test('cover the full example, minimal Fargate, GPU + multi-node and unmanaged setups', () => {
    expect(INTEG_APPS).toEqual(expect.arrayContaining(['integ.example.ts', 'integ.fargate-minimal.ts', 'integ.gpu-multi-node.ts', 'integ.unmanaged.ts']));
  });

  test('allow batch:SubmitJob only on the queues and job definitions under test', () => {
    const submitStatements = synthesized.flatMap(({ app, outdir }) => fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).flatMap((file) => {
      const template = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')) as { Resources: Record<string, { Properties?: unknown }> };
      return statementsIn(template.Resources).filter((s) => [s.Action].flat().includes('batch:SubmitJob')).map((s) => ({ app, resource: s.Resource }));
    }));
    // Every app submits at least one job from its assertion stack.
    expect(new Set(submitStatements.map((s) => s.app)).size).toBe(INTEG_APPS.length);
    for (const { resource } of submitStatements) {
      const resources = [resource].flat();
      expect(resources).not.toContain('*');
      // Each is a reference to a queue or job definition (Ref, GetAtt, an import, or a joined ARN), never a wildcard string.
      for (const arn of resources) expect(typeof arn).toBe('object');
    }
  });

  test('synthesize with no cdk-nag AwsSolutions finding left unsuppressed', () => {
    expect(synthesized.map(({ app, exitCode, output }) => ({ app, exitCode, nagInOutput: output.match(/AwsSolutions-[A-Z]+\d+/g) ?? [] })))
      .toEqual(INTEG_APPS.map((app) => ({ app, exitCode: 0, nagInOutput: [] })));
    expect(synthesized.flatMap(({ outdir }) => nagFindings(outdir))).toEqual([]);
  });

  test('give every suppression a written reason', () => {
    const thin = NAG_REASONS.filter(({ reason }) => reason.trim().split(/\s+/).length < 12).map(({ id }) => id);
    expect(thin).toEqual([]);
  });

  test('write templates that pass cfn-lint', () => {
    const templates = synthesized.flatMap(({ outdir }) => fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f)));
    // Each app writes the stack under test and its assertion stack.
    expect(templates).toHaveLength(INTEG_APPS.length * 2);
    const lint = spawnSync('cfn-lint', ['--', ...templates], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: lint.status, error: lint.error?.message, findings: lint.stdout.trim() }).toEqual({ status: 0, error: undefined, findings: '' });
  });
});

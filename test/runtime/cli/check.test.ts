import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { buildCheckReport } from '../../../runtime/cli/commands/check';

const CLI = path.join(__dirname, '..', '..', '..', 'bin', 'batchkit.js');

// A plain L2 app (no batchkit checks at synth): a 96-vCPU job and a queue of c5.xlarge instances.
function synthPlainApp(outdir: string): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Plain');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const ce = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Small', {
    vpc, useOptimalInstanceClasses: false, instanceTypes: [new ec2.InstanceType('c5.xlarge')], maxvCpus: 128,
  });
  new batch.JobQueue(stack, 'Queue', { jobQueueName: 'small', computeEnvironments: [{ computeEnvironment: ce, order: 1 }] });
  new batch.EcsJobDefinition(stack, 'Huge', {
    jobDefinitionName: 'huge',
    container: new batch.EcsEc2ContainerDefinition(stack, 'HugeContainer', {
      image: ecs.ContainerImage.fromRegistry('busybox'), cpu: 96, memory: Size.gibibytes(8),
    }),
  });
  new batch.EcsJobDefinition(stack, 'Fine', {
    jobDefinitionName: 'fine',
    container: new batch.EcsEc2ContainerDefinition(stack, 'FineContainer', {
      image: ecs.ContainerImage.fromRegistry('busybox'), cpu: 2, memory: Size.gibibytes(4),
    }),
  });
  app.synth();
}

describe('batchkit check', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-check-'));
    synthPlainApp(outdir);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('reports where each job definition can run, and an error for one no queue can run', () => {
    // WHEN
    const report = buildCheckReport(outdir);
    // THEN
    const [stack] = report.stacks;
    expect(stack.placements.find((p) => p.jobDefinition === 'fine')!.queues).toEqual([{ queue: 'small', status: 'fits', reason: '' }]);
    expect(report.errors).toBe(1);
    expect(stack.findings).toContainEqual({
      level: 'error',
      path: '/Plain/Huge/Resource',
      message: "no queue can run it: job definition 'huge' asks for 96 vCPUs but queue 'small' offers at most 4 (c5.xlarge)",
    });
  });

  test('the command exits 1 on error findings and prints them without escape codes off a TTY', () => {
    const result = spawnSync(process.execPath, [CLI, 'check', outdir], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '' } });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("error /Plain/Huge/Resource: no queue can run it: job definition 'huge' asks for 96 vCPUs");
    expect(result.stdout).toMatch(/fine\s+container\s+EC2\s+2\s+4096 MiB\s+0\s+small/);
    expect(result.stdout).not.toMatch(/\u001b\[/);
  });

  test('--json prints the report as one document', () => {
    const result = spawnSync(process.execPath, [CLI, 'check', outdir, '--json'], { encoding: 'utf8' });
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ errors: 1, stacks: [{ stackName: 'Plain', resources: { jobQueues: [{ name: 'small' }] } }] });
  });

  test('fails with exit code 2 when the directory is not a synthesized app', () => {
    const result = spawnSync(process.execPath, [CLI, 'check', path.join(outdir, 'missing')], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/is not a synthesized CDK app: .*manifest\.json is missing/);
  });
});

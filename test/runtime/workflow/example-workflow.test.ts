import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer } from '../../../runtime/server/server';
import { loadTemplate } from '../../../runtime/template/load-template';
import {
  ConstructReferenceResolver, createWorkflowBatchClient, jobNameFor, loadWorkflowFile, planWorkflow, startRun,
} from '../../../runtime/workflow';
import { createExampleApp } from '../../../examples/app';
import { jobsByName, LOCAL_CREDENTIALS } from './local-batch';

const EXAMPLE = path.join(__dirname, '../../../examples/workflow.yaml');
let dir: string;
let templatePath: string;

beforeAll(() => {
  // GIVEN: the example CDK app, synthesized with construct paths as `cdk synth` writes them
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-example-'));
  const saved = { outdir: process.env.CDK_OUTDIR, context: process.env.CDK_CONTEXT_JSON };
  process.env.CDK_OUTDIR = path.join(dir, 'cdk.out');
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:enable-path-metadata': true });
  try {
    const assembly = createExampleApp().synth();
    templatePath = path.join(assembly.directory, assembly.getStackByName('BatchkitExample').templateFile);
  } finally {
    restoreEnv('CDK_OUTDIR', saved.outdir);
    restoreEnv('CDK_CONTEXT_JSON', saved.context);
  }
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) {
    delete process.env[name];
  } else {
    process.env[name] = value;
  }
}

describe('the example workflow', () => {
  test('resolves its construct ids from the synthesized template', async () => {
    const resolver = ConstructReferenceResolver.fromTemplateFile(templatePath);
    expect(await resolver.resolve('jobQueue', 'cdk:Standard')).toBe('batchkit-standard');
    expect(await resolver.resolve('jobDefinition', 'cdk:BatchkitExample/Train')).toBe('batchkit-train');
    expect(await resolver.resolve('jobQueue', 'plain-name')).toBe('plain-name');
    await expect(resolver.resolve('jobQueue', 'cdk:Etl')).rejects.toThrow(
      "jobQueue 'cdk:Etl' matches no AWS::Batch::JobQueue of the CDK app, expected one of: BatchkitExample/Urgent, BatchkitExample/Standard, BatchkitExample/Reserved, BatchkitExample/Background");
  });

  test('runs on the local engine loaded with the example app, each job once', async () => {
    // GIVEN
    const engine = await LocalBatchEngine.open({ dataDir: path.join(dir, 'engine'), killGraceMs: 500 });
    const loaded = await loadTemplate(engine, templatePath);
    const server = await startBatchServer({ api: engine, port: 0 });
    const client = createWorkflowBatchClient({ endpoint: server.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    try {
      const workflow = loadWorkflowFile(EXAMPLE);
      // WHEN
      const run = await startRun(workflow, {
        client, journalDir: path.join(dir, 'journal'), resolver: new ConstructReferenceResolver(loaded.resources),
        registerJoinJobDefinition: true, poll: { minIntervalMs: 200, maxIntervalMs: 1000 },
      });
      const report = await run.wait();
      run.close();
      // THEN
      expect(report.status).toBe('SUCCEEDED');
      expect(report.steps.find((s) => s.step === 'flaky')!.attempts).toBe(2);
      const plan = planWorkflow(workflow);
      expect(plan.joinJobCount).toBe(1);
      const counts = await jobsByName(client, 'batchkit-standard');
      const urgent = await jobsByName(client, 'batchkit-urgent');
      expect(plan.jobs.map((j) => (counts.get(jobNameFor(run.runId, j.key)) ?? 0) + (urgent.get(jobNameFor(run.runId, j.key)) ?? 0)))
        .toEqual(plan.jobs.map(() => 1));
    } finally {
      client.destroy();
      await server.close();
      await engine.close();
    }
  });
});

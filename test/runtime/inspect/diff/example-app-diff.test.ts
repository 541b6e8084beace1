/**
 * The review a user sees on the example app: its real synthesized template against an edited
 * copy, as a reviewer makes one (batchkit's own synth checks stop an app whose bound job no
 * longer fits, so the unplaceable side is written by hand, as it would come from a plain L2 app).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createExampleApp } from '../../../../examples/app';
import type { CfnTemplate } from '../../../../runtime/inspect/cloud-assembly';
import { pairStacks, readSide } from '../../../../runtime/inspect/diff/load-sides';
import { renderMarkdown } from '../../../../runtime/inspect/diff/render-markdown';
import { diffStacks } from '../../../../runtime/inspect/diff/stack-diff';

/** The parts of a synthesized compute environment the test edits. */
interface EditableCompute {
  readonly Type: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties: { ComputeEnvironmentName?: string; Tags: Record<string, string>; ComputeResources: { InstanceTypes: string[] } };
}
type Resources = Record<string, EditableCompute>;

function synthExample(outdir: string): string {
  const saved = { outdir: process.env.CDK_OUTDIR, context: process.env.CDK_CONTEXT_JSON };
  process.env.CDK_OUTDIR = outdir;
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ 'aws:cdk:enable-path-metadata': true });
  try {
    createExampleApp().synth();
  } finally {
    restore('CDK_OUTDIR', saved.outdir);
    restore('CDK_CONTEXT_JSON', saved.context);
  }
  return path.join(outdir, 'BatchkitExample.template.json');
}

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

function computeEnvironment(resources: Resources, id: string) {
  return Object.entries(resources).find(([, r]) => r.Type === 'AWS::Batch::ComputeEnvironment' && r.Metadata?.['aws:cdk:path'] === `BatchkitExample/${id}/Resource`)![1];
}

describe('batchkit diff on the example app', () => {
  let root: string;
  beforeAll(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-diff-example-')); });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a renamed instance family and a custom-named compute environment change show, in one screen, what fails', () => {
    // GIVEN the example as deployed, its GPU compute environment named 'batchkit-gpu'
    const synthesized = JSON.parse(fs.readFileSync(synthExample(path.join(root, 'cdk.out')), 'utf8')) as CfnTemplate;
    const before = structuredClone(synthesized);
    computeEnvironment(before.Resources as Resources, 'Gpu').Properties.ComputeEnvironmentName = 'batchkit-gpu';
    // WHEN the on-demand compute moves from c6i to c7i and the GPU compute gets a cost tag
    const after = structuredClone(before);
    computeEnvironment(after.Resources as Resources, 'OnDemand').Properties.ComputeResources.InstanceTypes = ['c7i', 'm6i'];
    computeEnvironment(after.Resources as Resources, 'Gpu').Properties.Tags['cost-center'] = 'ml';
    const files = ['before', 'after'].map((side) => path.join(root, `${side}.template.json`));
    fs.writeFileSync(files[0], JSON.stringify(before));
    fs.writeFileSync(files[1], JSON.stringify(after));
    const report = diffStacks(pairStacks(readSide(files[0]), readSide(files[1])));
    // THEN the deploy fails on the named compute environment, and the training job loses its queues
    const blocking = report.stacks[0].consequences.filter((c) => c.severity === 'blocking').map((c) => c.message);
    expect(blocking).toEqual([
      expect.stringMatching(/^compute environment 'batchkit-gpu' must be replaced \(Tags cannot change in place\) but keeps its custom name/),
      expect.stringMatching(/^job definition 'batchkit-train' can no longer run on queue 'batchkit-urgent': node group 1: .* asks for instance type c6i\.8xlarge/),
      expect.stringMatching(/^job definition 'batchkit-train' can no longer run on queue 'batchkit-standard'/),
    ]);
    const screen = renderMarkdown(report);
    expect(screen.length).toBeLessThanOrEqual(24);
  });
});

import * as fs from 'fs';
import * as batch from 'aws-cdk-lib/aws-batch';
import { readSide, pairStacks } from '../../../../runtime/inspect/diff/load-sides';
import { renderMarkdown } from '../../../../runtime/inspect/diff/render-markdown';
import { diffStacks, type DiffReport } from '../../../../runtime/inspect/diff/stack-diff';
import { imageDirectory, synthToTemp, type DiffAppOptions } from './diff-apps';

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

// Synthesizes the app before and after a change and reviews the pair.
function review(before: DiffAppOptions, after: DiffAppOptions): DiffReport {
  const a = synthToTemp(before);
  const b = synthToTemp(after);
  made.push(a.dir, b.dir);
  return diffStacks(pairStacks(readSide(a.dir), readSide(b.dir)));
}

function computeChange(report: DiffReport) {
  return report.stacks[0].resources.find((r) => r.type === 'AWS::Batch::ComputeEnvironment');
}

describe('batchkit diff on synthesized apps', () => {
  test('a custom-named compute environment that must be replaced fails the deploy', () => {
    // GIVEN a named compute environment, WHEN a tag is added to it (its Tags are create-only)
    const report = review({ computeEnvironmentName: 'crunchers' }, { computeEnvironmentName: 'crunchers', computeTags: { team: 'ml' } });
    // THEN
    expect(computeChange(report)).toMatchObject({ change: 'replaced', customName: 'crunchers', changedProperties: ['ComputeResources.Tags', 'Tags'] });
    expect(report.blocking).toBe(1);
    expect(report.stacks[0].consequences[0]).toMatchObject({
      severity: 'blocking',
      kind: 'custom-name-replacement',
      message: expect.stringMatching(/^compute environment 'crunchers' must be replaced \(Tags.*\) but keeps its custom name: CloudFormation cannot update a stack when a custom-named resource requires replacing/),
    });
  });

  test('the same replacement without a custom name is a warning, not a failure', () => {
    const report = review({}, { computeTags: { team: 'ml' } });
    expect(computeChange(report)).toMatchObject({ change: 'replaced' });
    expect(report.blocking).toBe(0);
    expect(report.stacks[0].consequences).toContainEqual(expect.objectContaining({ severity: 'warning', kind: 'compute-environment-replaced' }));
  });

  test('a maxvCpus change is a scaling update in place', () => {
    const report = review({ maxvCpus: 256 }, { maxvCpus: 512 });
    expect(report.stacks[0].resources).toEqual([expect.objectContaining({ change: 'updated', updateKind: 'scaling', changedProperties: ['ComputeResources.MaxvCpus'] })]);
    expect(report.blocking).toBe(0);
    expect(report.stacks[0].consequences).toEqual([expect.objectContaining({ severity: 'info', kind: 'scaling-update' })]);
  });

  test('an instance-type change that leaves a job definition no instance big enough makes it unplaceable', () => {
    // GIVEN a 16-vCPU job on c5.4xlarge (16 vCPUs), WHEN the compute moves to c5.2xlarge (8 vCPUs)
    const report = review({ instanceTypes: ['c5.4xlarge'], bigQueue: true }, { instanceTypes: ['c5.2xlarge'], bigQueue: true });
    // THEN the instances are replaced in place, and the job can no longer start on the queue
    expect(computeChange(report)).toMatchObject({ change: 'updated', updateKind: 'infrastructure-update', changedProperties: ['ComputeResources.InstanceTypes'] });
    expect(report.stacks[0].placement.lost).toEqual([expect.objectContaining({ jobDefinition: 'crunch', queue: 'work' })]);
    expect(report.stacks[0].consequences[0]).toMatchObject({
      severity: 'blocking',
      kind: 'placement-lost',
      message: "job definition 'crunch' can no longer run on queue 'work': job definition 'crunch' asks for 16 vCPUs but queue 'work' offers at most 8 (c5.2xlarge); its jobs there would stay RUNNABLE",
    });
    expect(report.stacks[0].consequences).toContainEqual(expect.objectContaining({
      kind: 'infrastructure-update',
      message: expect.stringContaining('jobs running on the old instances may run up to 30 minutes more'),
    }));
  });

  test('going back to a bigger instance type reports where the job can run again', () => {
    const report = review({ instanceTypes: ['c5.2xlarge'], bigQueue: true }, { instanceTypes: ['c5.4xlarge'], bigQueue: true });
    expect(report.blocking).toBe(0);
    expect(report.stacks[0].placement.gained).toEqual([expect.objectContaining({ jobDefinition: 'crunch', queue: 'work' })]);
  });

  test('an instance-type change the allocation strategy cannot apply in place fails the deploy', () => {
    // BEST_FIT compute gets no infrastructure updates, and batchkit's compute keeps ReplaceComputeEnvironment false
    const report = review(
      { allocationStrategy: batch.AllocationStrategy.BEST_FIT, instanceTypes: ['c5.4xlarge'] },
      { allocationStrategy: batch.AllocationStrategy.BEST_FIT, instanceTypes: ['c5.4xlarge', 'm5.4xlarge'] },
    );
    expect(computeChange(report)).toMatchObject({ change: 'updated', rejected: expect.stringContaining('allocation strategy BEST_FIT_PROGRESSIVE, SPOT_CAPACITY_OPTIMIZED, SPOT_PRICE_CAPACITY_OPTIMIZED but it is BEST_FIT') });
    expect(report.stacks[0].consequences[0]).toMatchObject({ severity: 'blocking', kind: 'infrastructure-update-rejected' });
  });

  test('a job definition change is a new revision, and queued jobs keep theirs', () => {
    const report = review({ command: ['echo', 'one'] }, { command: ['echo', 'two'] });
    expect(report.stacks[0].resources).toEqual([expect.objectContaining({ type: 'AWS::Batch::JobDefinition', change: 'updated', updateKind: 'new-revision', changedProperties: ['ContainerProperties.Command'] })]);
    expect(report.stacks[0].consequences).toEqual([expect.objectContaining({
      severity: 'info',
      kind: 'new-revision',
      message: "job definition 'crunch' gets a new revision (ContainerProperties.Command): jobs already submitted keep the revision they were submitted with; jobs submitted by name get the new one; the previous revision is deregistered (INACTIVE)",
    })]);
  });

  test('a rebuilt image asset shows once, as a new revision of the image only', () => {
    const images = [imageDirectory('one'), imageDirectory('two')];
    made.push(...images);
    const report = review({ imageDirectory: images[0] }, { imageDirectory: images[1] });
    expect(report.stacks[0].resources).toEqual([expect.objectContaining({ changedProperties: ['ContainerProperties.Image'], assetOnly: true })]);
    expect(report.stacks[0].consequences).toEqual([expect.objectContaining({ kind: 'new-revision', message: expect.stringContaining('gets a new revision (image only)') })]);
  });

  test('deleting an ENABLED queue fails the deploy', () => {
    const report = review({}, { noQueue: true });
    expect(report.stacks[0].resources).toContainEqual(expect.objectContaining({ type: 'AWS::Batch::JobQueue', change: 'removed', customName: 'work' }));
    expect(report.stacks[0].consequences[0]).toMatchObject({ severity: 'blocking', kind: 'enabled-queue-deleted', message: expect.stringMatching(/^job queue 'work' is deleted while ENABLED/) });
  });

  test('the Markdown report puts what fails first and has one table row per changed resource', () => {
    const report = review(
      { computeEnvironmentName: 'crunchers', instanceTypes: ['c5.4xlarge'], bigQueue: true },
      { computeEnvironmentName: 'crunchers', instanceTypes: ['c5.2xlarge'], maxvCpus: 512, bigQueue: true },
    );
    const lines = renderMarkdown(report);
    expect(lines[0]).toBe('### DiffApp');
    expect(lines[2]).toMatch(/^- \*\*jobs cannot start:\*\* job definition 'crunch' can no longer run on queue 'work'/);
    expect(lines).toContain("| Compute 'crunchers' | Batch::ComputeEnvironment | updated (infrastructure update) | ComputeResources.InstanceTypes, ComputeResources.MaxvCpus |");
    expect(lines[lines.length - 1]).toMatch(/^\*\*jobs cannot start\*\* · 1 blocking, 1 warning\(s\) · replacement rules: CloudFormation resource schemas from @aws-cdk\/aws-service-spec@/);
  });
});

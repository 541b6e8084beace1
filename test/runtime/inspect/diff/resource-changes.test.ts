/**
 * The update rules on small hand-written templates, for the cases batchkit's constructs never
 * synthesize (the default ReplaceComputeEnvironment, a custom service role, literal references).
 */
import type { CfnTemplate } from '../../../../runtime/inspect/cloud-assembly';
import { consequencesOf } from '../../../../runtime/inspect/diff/consequences';
import { placementDiff } from '../../../../runtime/inspect/diff/placement-changes';
import { resourceChanges } from '../../../../runtime/inspect/diff/resource-changes';

function compute(overrides: Record<string, unknown> = {}, computeResources: Record<string, unknown> = {}) {
  return {
    Type: 'AWS::Batch::ComputeEnvironment',
    Properties: {
      Type: 'managed',
      ReplaceComputeEnvironment: false,
      ComputeResources: { Type: 'EC2', AllocationStrategy: 'BEST_FIT_PROGRESSIVE', InstanceTypes: ['c5.large'], MaxvCpus: 16, Subnets: ['subnet-1'], ...computeResources },
      ...overrides,
    },
  };
}

function template(resources: Record<string, unknown>, outputs?: Record<string, unknown>): CfnTemplate {
  return { Resources: resources, Outputs: outputs } as CfnTemplate;
}

function review(before: CfnTemplate, after: CfnTemplate) {
  const changes = resourceChanges(before, after);
  return { changes, consequences: consequencesOf(before, after, changes, placementDiff(before, after)) };
}

describe('resource changes', () => {
  test('without ReplaceComputeEnvironment (true by default) an instance-type change replaces the compute environment', () => {
    const { Properties: { ReplaceComputeEnvironment: _omitted, ...withoutFlag } } = compute();
    const before = template({ Ce: { Type: 'AWS::Batch::ComputeEnvironment', Properties: withoutFlag } });
    const after = template({ Ce: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { ...withoutFlag, ComputeResources: { ...withoutFlag.ComputeResources, InstanceTypes: ['c5.xlarge'] } } } });
    expect(review(before, after).changes).toEqual([expect.objectContaining({
      change: 'replaced', reason: 'ComputeResources.InstanceTypes changed and ReplaceComputeEnvironment is true (the default)',
    })]);
  });

  test('fails when an infrastructure update meets a service role that is not the service-linked one', () => {
    const before = template({ Ce: compute({ ServiceRole: 'arn:aws:iam::123456789012:role/BatchService' }) });
    const after = template({ Ce: compute({ ServiceRole: 'arn:aws:iam::123456789012:role/BatchService' }, { Subnets: ['subnet-2'] }) });
    const { changes, consequences } = review(before, after);
    expect(changes[0].rejected).toMatch(/infrastructure updates need the service-linked role AWSServiceRoleForBatch \(no service role\) but it has service role arn:aws:iam::123456789012:role\/BatchService/);
    expect(consequences).toEqual([expect.objectContaining({ severity: 'blocking', kind: 'infrastructure-update-rejected' })]);
  });

  test('moving a compute environment from EC2 to Fargate replaces it', () => {
    const after = template({ Ce: compute({}, { Type: 'FARGATE', AllocationStrategy: undefined, InstanceTypes: undefined }) });
    expect(review(template({ Ce: compute() }), after).changes[0]).toMatchObject({ change: 'replaced', reason: expect.stringContaining('from EC2 to FARGATE') });
  });

  test('a replaced launch template carries its new id into the compute environment, an infrastructure update', () => {
    const launchTemplate = (name: string) => ({ Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateName: name, LaunchTemplateData: {} } });
    const withTemplate = compute({}, { LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' } } });
    const { changes, consequences } = review(template({ Lt: launchTemplate('one'), Ce: withTemplate }), template({ Lt: launchTemplate('two'), Ce: withTemplate }));
    expect(changes).toEqual([
      expect.objectContaining({ logicalId: 'Ce', change: 'updated', updateKind: 'infrastructure-update', changedProperties: ['ComputeResources.LaunchTemplate.LaunchTemplateId'], followsReplacementOf: ['Lt'] }),
      expect.objectContaining({ logicalId: 'Lt', change: 'replaced', reason: 'LaunchTemplateName cannot change in place' }),
    ]);
    expect(consequences).toContainEqual(expect.objectContaining({ kind: 'infrastructure-update', logicalId: 'Ce' }));
  });

  test('a compute environment renamed away from a queue that names it literally fails the deploy', () => {
    const queue = { Type: 'AWS::Batch::JobQueue', Properties: { JobQueueName: 'q', Priority: 1, ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: 'old-ce' }] } };
    const { consequences } = review(
      template({ Ce: compute({ ComputeEnvironmentName: 'old-ce' }), Q: queue }),
      template({ Ce: compute({ ComputeEnvironmentName: 'new-ce' }), Q: queue }),
    );
    expect(consequences).toContainEqual(expect.objectContaining({
      severity: 'blocking', kind: 'replaced-while-referenced', message: expect.stringMatching(/^compute environment 'new-ce' is replaced but job queue 'q' names it literally/),
    }));
  });

  test('a replaced resource the stack exports is a warning', () => {
    const queue = (name: string) => ({ Type: 'AWS::Batch::JobQueue', Properties: { JobQueueName: name, Priority: 1, ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: { Ref: 'Ce' } }] } });
    const outputs = { QueueArn: { Value: { Ref: 'Q' }, Export: { Name: 'shared-queue' } } };
    const { consequences } = review(template({ Ce: compute(), Q: queue('a') }, outputs), template({ Ce: compute(), Q: queue('b') }, outputs));
    expect(consequences).toContainEqual(expect.objectContaining({ severity: 'warning', kind: 'export-changes', message: expect.stringContaining("exports it as 'shared-queue'") }));
  });

  test('changing ReplaceComputeEnvironment together with other properties is a warning', () => {
    const { consequences } = review(template({ Ce: compute({ ReplaceComputeEnvironment: true }) }), template({ Ce: compute({}, { MaxvCpus: 32 }) }));
    expect(consequences).toEqual([expect.objectContaining({ severity: 'warning', kind: 'replace-flag-with-other-changes' })]);
  });

  test('key order and unchanged resources are no change', () => {
    const reordered = { Type: 'AWS::Batch::ComputeEnvironment', Properties: Object.fromEntries(Object.entries(compute().Properties).reverse()) };
    expect(review(template({ Ce: compute() }), template({ Ce: reordered })).changes).toEqual([]);
  });
});

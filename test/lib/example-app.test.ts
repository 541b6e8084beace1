import { Template } from 'aws-cdk-lib/assertions';
import { App } from 'aws-cdk-lib';
import { ExampleBatchStack, createExampleApp } from '../../examples/app';

// Asset hashes change with every CDK release and bundling detail; they say nothing about the stack.
function scrubAssetHashes(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/[0-9a-f]{64}/g, '<asset-hash>');
  if (Array.isArray(value)) return value.map(scrubAssetHashes);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubAssetHashes(v)]));
  return value;
}

// The stack on its own: monitoring and cdk-nag, which createExampleApp adds, have their own tests.
function exampleStack(): ExampleBatchStack {
  return new ExampleBatchStack(new App(), 'BatchkitExample');
}

describe('example app', () => {
  test('matches the snapshot', () => {
    expect(scrubAssetHashes(Template.fromStack(exampleStack()).toJSON())).toMatchSnapshot();
  });

  test('createExampleApp synthesizes the example stack', () => {
    const assembly = createExampleApp().synth();
    expect(assembly.stacks.map((s) => s.stackName)).toContain('BatchkitExample');
  });

  test('declares the compute, queues and job definitions the issue asks for', () => {
    const stack = exampleStack();
    const template = Template.fromStack(stack);
    for (const type of ['EC2', 'SPOT', 'FARGATE', 'FARGATE_SPOT']) {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { Type: type } });
    }
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { Type: 'unmanaged' });
    template.resourceCountIs('AWS::AutoScaling::AutoScalingGroup', 1);
    expect(new Set(stack.queues.map((q) => q.priority)).size).toBe(stack.queues.length);
    template.hasResourceProperties('AWS::Batch::JobDefinition', { ContainerProperties: { ResourceRequirements: [{ Type: 'MEMORY' }, { Type: 'VCPU' }, { Type: 'GPU', Value: '1' }] } });
    template.hasResourceProperties('AWS::Batch::JobDefinition', { Type: 'multinode', NodeProperties: { NumNodes: 4 } });
    expect(stack.jobDefinitions.map((j) => j.jobDefinitionName)).toEqual(['batchkit-etl', 'batchkit-render', 'batchkit-scratch', 'batchkit-report', 'batchkit-train', 'batchkit-join']);
  });
});

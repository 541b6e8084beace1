import { Template } from 'aws-cdk-lib/assertions';
import { BatchQueue, Ec2Compute, WorkflowJoinJob } from '../../lib';
import { DEFAULT_JOIN_JOB_DEFINITION_NAME } from '../../runtime/model/join-jobs';
import { newStack } from './fixtures';

describe('WorkflowJoinJob', () => {
  test('declares the join job definition the workflow runtime uses by default', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Queue', { computeEnvironments: [new Ec2Compute(stack, 'Compute', { vpc })] });
    // WHEN
    new WorkflowJoinJob(stack, 'Join', { queues: [queue] });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: DEFAULT_JOIN_JOB_DEFINITION_NAME,
      ContainerProperties: {
        Command: ['true'],
        ResourceRequirements: [{ Type: 'MEMORY', Value: '128' }, { Type: 'VCPU', Value: '1' }],
      },
    });
  });

  test('takes another name', () => {
    const { stack } = newStack();
    new WorkflowJoinJob(stack, 'Join', { jobDefinitionName: 'my-join' });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', { JobDefinitionName: 'my-join' });
  });
});

import { buildSubmitRequest, defineWorkflow, planWorkflow } from '../../../runtime/workflow';

const workflow = defineWorkflow({
  name: 'wf',
  defaults: { jobQueue: 'cdk:Queue', jobDefinition: 'jd' },
  steps: {
    items: { arraySize: 4 },
    ordered: {
      arraySize: 4, sequential: true, dependsOn: [{ step: 'items', type: 'N_TO_N' }],
      command: ['sh', '-c', 'echo'], environment: { STAGE: 'x' }, vcpus: 2, memoryMiB: 512,
      retry: { attempts: 3, evaluateOnExit: [{ onExitCode: '1*', action: 'EXIT' }] }, timeoutSeconds: 120, tags: { team: 'data' }, parameters: { input: 's3://b' },
    },
    cluster: { jobDefinition: 'mnp', numNodes: 3, command: ['hostname'], dependsOn: ['items'] },
  },
});
const references = { 'jobQueue:cdk:Queue': 'arn:aws:batch:us-east-1:123456789012:job-queue/q', 'jobDefinition:jd': 'jd:4', 'jobDefinition:mnp': 'mnp' };
const ids = new Map([['items', 'id-items'], ['ordered', 'id-ordered']]);

function requestFor(key: string) {
  const job = planWorkflow(workflow).jobs.find((j) => j.key === key)!;
  return buildSubmitRequest({ references }, job, workflow.steps.find((s) => s.name === job.step)!, `run__${key}`, references['jobQueue:cdk:Queue'], ids);
}

describe('buildSubmitRequest', () => {
  test('maps an array step with N_TO_N, SEQUENTIAL and overrides onto SubmitJob', () => {
    expect(requestFor('ordered')).toEqual({
      jobName: 'run__ordered',
      jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q',
      jobDefinition: 'jd:4',
      dependsOn: [{ jobId: 'id-items', type: 'N_TO_N' }, { type: 'SEQUENTIAL' }],
      arrayProperties: { size: 4 },
      containerOverrides: {
        command: ['sh', '-c', 'echo'],
        environment: [{ name: 'STAGE', value: 'x' }],
        resourceRequirements: [{ type: 'VCPU', value: '2' }, { type: 'MEMORY', value: '512' }],
      },
      nodeOverrides: undefined,
      parameters: { input: 's3://b' },
      retryStrategy: { attempts: 3, evaluateOnExit: [{ onExitCode: '1*', action: 'EXIT' }] },
      timeout: { attemptDurationSeconds: 120 },
      tags: { team: 'data' },
    });
  });

  test('puts a multi-node step overrides on every node', () => {
    const request = requestFor('cluster');
    expect(request.containerOverrides).toBeUndefined();
    expect(request.nodeOverrides).toEqual({ numNodes: 3, nodePropertyOverrides: [{ targetNodes: '0:', containerOverrides: { command: ['hostname'], environment: undefined, resourceRequirements: undefined } }] });
    expect(request.dependsOn).toEqual([{ jobId: 'id-items' }]);
  });

  test('fails when a parent has no job id yet', () => {
    const job = planWorkflow(workflow).jobs.find((j) => j.key === 'cluster')!;
    expect(() => buildSubmitRequest({ references }, job, workflow.steps[2], 'n', 'q', new Map())).toThrow(/planned before its dependency 'items' was submitted/);
  });
});

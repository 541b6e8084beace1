import type * as batch from '@aws-sdk/client-batch';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as fs from 'fs';
import * as path from 'path';
import { BatchQueue, Ec2Compute, Ec2ContainerJob, FargateCompute, FargateContainerJob, MultiNodeJob } from '../../lib';
import { LocalBatchEngine } from '../../runtime/engine/engine';
import { BatchClientException } from '../../runtime/model/batch-api';
import { schedulingPriorityProblem } from '../../runtime/model/container-settings-rules';
import { queueOrchestrationProblem } from '../../runtime/model/eks-rules';
import { isShareIdentifier, isWeightFactor } from '../../runtime/model/fair-share-rules';
import { fargatePairProblem } from '../../runtime/model/fargate';
import { ARRAY_SIZE_RANGE, NUM_NODES_RANGE } from '../../runtime/model/job-rules';
import { nodeLayoutProblems } from '../../runtime/model/multi-node-rules';
import { batchNameProblem } from '../../runtime/model/name-rules';
import type { ComputeDescription, ComputeKind } from '../../runtime/model/placement';
import { queueFindings, STATE_TIME_LIMIT_SECONDS_RANGE } from '../../runtime/model/queue-rules';
import { RETRY_ATTEMPTS_RANGE, retryAttemptsProblems, timeoutProblems } from '../../runtime/model/retry-rules';
import { validateWorkflow, WorkflowValidationError } from '../../runtime/workflow';

/*
 * Every Batch limit lives once, in runtime/model. One table per rule (a valid value and values at
 * and beyond each bound) is run against the model function and against each consumer that applies
 * the rule: the CDK constructs' synth-time checks, the local engine's request validation and the
 * workflow validator. A consumer that drifts from the model disagrees with the table and fails.
 * The structural tests at the end check that each consumer imports the shared rule from
 * runtime/model, so a private copy cannot come back unnoticed.
 */

const ROOT = path.join(__dirname, '..', '..');
const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023');

/** One row of a rule's table: a value and whether Batch accepts it. */
interface Case<T> {
  readonly label: string;
  readonly value: T;
  readonly valid: boolean;
}

const ok = <T>(label: string, value: T): Case<T> => ({ label, value, valid: true });
const bad = <T>(label: string, value: T): Case<T> => ({ label, value, valid: false });

// ---------------------------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------------------------

const RETRY_ATTEMPTS: Case<number>[] = [
  ok('the lower bound', 1), ok('a middle value', 3), ok('the upper bound', 10),
  bad('just below the lower bound', 0), bad('far below the lower bound', -1), bad('just above the upper bound', 11), bad('far above the upper bound', 100),
];

const STUCK_JOB_SECONDS: Case<number>[] = [
  ok('the lower bound (ten minutes)', 600), ok('an hour', 3600), ok('the upper bound (a day)', 86_400),
  bad('just below the lower bound', 599), bad('far below the lower bound', 60), bad('just above the upper bound', 86_401), bad('two days', 172_800),
];

const QUEUE_COMPUTE_COUNT: Case<number>[] = [
  ok('one', 1), ok('three', 3), bad('none', 0), bad('four', 4),
];

type QueueKinds = readonly Exclude<ComputeKind, 'UNMANAGED'>[];
const QUEUE_KINDS: Case<QueueKinds>[] = [
  ok('EC2 only', ['EC2']), ok('EC2 and SPOT', ['EC2', 'SPOT']), ok('FARGATE and FARGATE_SPOT', ['FARGATE', 'FARGATE_SPOT']),
  bad('EC2 and FARGATE', ['EC2', 'FARGATE']), bad('SPOT and FARGATE_SPOT', ['SPOT', 'FARGATE_SPOT']), bad('EC2, SPOT and FARGATE', ['EC2', 'SPOT', 'FARGATE']),
];

const FARGATE_SIZES: Case<{ vcpus: number; memoryMiB: number }>[] = [
  ok('0.25 vCPU with its least memory', { vcpus: 0.25, memoryMiB: 512 }),
  ok('0.25 vCPU with its most memory', { vcpus: 0.25, memoryMiB: 2048 }),
  bad('0.25 vCPU with more memory than it takes', { vcpus: 0.25, memoryMiB: 3072 }),
  ok('1 vCPU with its least memory', { vcpus: 1, memoryMiB: 2048 }),
  ok('1 vCPU with its most memory', { vcpus: 1, memoryMiB: 8192 }),
  bad('1 vCPU with less memory than it takes', { vcpus: 1, memoryMiB: 1024 }),
  bad('1 vCPU with more memory than it takes', { vcpus: 1, memoryMiB: 9216 }),
  bad('4 vCPUs with memory off the 1024 MiB steps', { vcpus: 4, memoryMiB: 8704 }),
  ok('16 vCPUs with their most memory', { vcpus: 16, memoryMiB: 122_880 }),
  bad('16 vCPUs with more memory than they take', { vcpus: 16, memoryMiB: 131_072 }),
  bad('a vCPU count Fargate does not offer', { vcpus: 3, memoryMiB: 8192 }),
];

const NAMES: Case<string>[] = [
  ok('one letter', 'a'), ok('letters, digits, hyphens and underscores', 'Nightly-etl_2'), ok('128 characters', `a${'b'.repeat(127)}`),
  bad('129 characters', `a${'b'.repeat(128)}`), bad('a space', 'nightly etl'), bad('a leading hyphen', '-etl'), bad('a dot', 'etl.v2'),
];

const JOB_TIMEOUT_SECONDS: Case<number>[] = [
  ok('the minimum', 60), ok('a day', 86_400), bad('just below the minimum', 59), bad('far below the minimum', 1),
];

const NUM_NODES: Case<number>[] = [
  ok('one node', 1), ok('four nodes', 4), ok('the most nodes', 1000), bad('no node', 0), bad('one node too many', 1001),
];

/** Node groups of a four-node job, as inclusive ranges; an absent end is open (`start:`). */
type NodeGroups = ReadonlyArray<{ start: number; end?: number }>;
const NODE_RANGES: Case<NodeGroups>[] = [
  ok('one group over every node', [{ start: 0, end: 3 }]),
  ok('two groups side by side', [{ start: 0, end: 0 }, { start: 1, end: 3 }]),
  ok('an open group at the end', [{ start: 0, end: 1 }, { start: 2 }]),
  bad('overlapping groups', [{ start: 0, end: 2 }, { start: 2, end: 3 }]),
  bad('a node left out', [{ start: 0, end: 1 }, { start: 3, end: 3 }]),
  bad('a group beyond the last node', [{ start: 0, end: 4 }]),
  bad('six groups', [0, 1, 2, 3].map((n) => ({ start: n, end: n })).concat([{ start: 0, end: 0 }, { start: 1, end: 1 }])),
];

const SCHEDULING_PRIORITY: Case<number>[] = [
  ok('the lowest', 0), ok('a middle value', 50), ok('the highest', 9999), bad('below the lowest', -1), bad('above the highest', 10_000),
];

const QUEUE_PRIORITY: Case<number>[] = [
  ok('the lowest', 0), ok('a middle value', 10), ok('the highest', 1000), bad('below the lowest', -1), bad('above the highest', 1001),
];

const SHARE_IDENTIFIERS: Case<string>[] = [
  ok('letters', 'teamA'), ok('letters and digits', 'team42'), ok('255 characters', 'a'.repeat(255)),
  bad('256 characters', 'a'.repeat(256)), bad('a hyphen', 'team-a'), bad('a space', 'team a'),
];

const WEIGHT_FACTORS: Case<number>[] = [
  ok('the least', 0.0001), ok('one', 1), ok('the most', 999.9999), bad('zero', 0), bad('just above the most', 1000), bad('negative', -1),
];

const ARRAY_SIZES: Case<number>[] = [
  ok('the least', 2), ok('a middle value', 100), ok('the most', 10_000), bad('one child', 1), bad('one child too many', 10_001),
];

// ---------------------------------------------------------------------------------------------
// Consumers
// ---------------------------------------------------------------------------------------------

/** The validation errors of a fresh stack built by `build`: what synth would fail with. A constructor that throws counts as one error. */
function cdkErrors(build: (stack: Stack, vpc: () => ec2.IVpc) => void): string[] {
  const app = new App();
  const stack = new Stack(app, 'Test');
  let vpc: ec2.IVpc | undefined;
  const lazyVpc = () => (vpc ??= new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, restrictDefaultSecurityGroup: false }));
  try {
    build(stack, lazyVpc);
  } catch (err) {
    return [String(err)];
  }
  return stack.node.findAll().flatMap((construct) => construct.node.validate());
}

/** Checks that `errors` agree with `valid`; an invalid value must be refused for the rule (`about`). */
function expectCdkVerdict(errors: string[], valid: boolean, about: RegExp): void {
  if (valid) expect(errors).toEqual([]);
  else expect(errors.some((error) => about.test(error)) ? 'refused for the rule' : errors).toBe('refused for the rule');
}

/** The issues the workflow validator finds in a one-step workflow whose step has `step`. */
function workflowIssues(step: Record<string, unknown>): string[] {
  try {
    validateWorkflow({ name: 'wf', defaults: { jobQueue: 'q', jobDefinition: 'jd' }, steps: { only: step } });
    return [];
  } catch (err) {
    if (err instanceof WorkflowValidationError) return err.issues.map((issue) => issue.message);
    throw err;
  }
}

function expectWorkflowVerdict(issues: string[], valid: boolean, about: RegExp): void {
  if (valid) expect(issues).toEqual([]);
  else expect(issues.some((issue) => about.test(issue)) ? 'refused for the rule' : issues).toBe('refused for the rule');
}

/** Whether the engine accepts the call: `true`, or `false` for a ClientException; anything else fails the test. */
async function engineAccepts(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (err instanceof BatchClientException) return false;
    throw err;
  }
}

const ec2Description = (name: string, kind: ComputeKind = 'EC2'): ComputeDescription => ({
  name, kind, instanceTypes: kind === 'FARGATE' || kind === 'FARGATE_SPOT' ? [] : ['m6i'],
});

const modelQueueErrors = (computes: ComputeDescription[], extra: { stateTimeLimitSeconds?: number[]; priority?: number } = {}) => queueFindings({
  name: 'Q',
  computeEnvironments: computes.map((compute, i) => ({ compute, order: i + 1 })),
  stateTimeLimitSeconds: extra.stateTimeLimitSeconds ?? [],
  priority: extra.priority,
}).errors;

const nodeRangeText = (group: { start: number; end?: number }) => `${group.start}:${group.end ?? ''}`;

const CONTAINER: batch.ContainerProperties = {
  image: 'public.ecr.aws/docker/library/busybox:latest', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '256' }],
};

// One engine for the whole file. Its compute environments are DISABLED, so accepted jobs wait
// RUNNABLE and nothing is launched: only request validation is under test.
let engine: LocalBatchEngine;
let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;

beforeAll(async () => {
  engine = await LocalBatchEngine.open({ hostCapacity: { vcpus: 2, memoryMiB: 2048 } });
  for (const kind of ['EC2', 'SPOT', 'FARGATE', 'FARGATE_SPOT']) {
    for (const n of [1, 2, 3, 4]) {
      await engine.createComputeEnvironment({
        computeEnvironmentName: `${kind}-${n}`, type: 'MANAGED', state: 'DISABLED',
        computeResources: { type: kind, maxvCpus: 256, subnets: [], instanceRole: kind.startsWith('FARGATE') ? undefined : 'ecsInstanceRole' },
      } as unknown as batch.CreateComputeEnvironmentRequest);
    }
  }
  await engine.createJobQueue({ jobQueueName: 'ec2-q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'EC2-1' }] });
  await engine.createJobQueue({ jobQueueName: 'fargate-q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'FARGATE-1' }] });
  const policy = await engine.createSchedulingPolicy({ name: 'fair', fairsharePolicy: {} });
  await engine.createJobQueue({ jobQueueName: 'fair-q', priority: 1, schedulingPolicyArn: policy.arn, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'EC2-2' }] });
  await engine.registerJobDefinition({ jobDefinitionName: 'plain', type: 'container', containerProperties: CONTAINER });
  await engine.registerJobDefinition({
    jobDefinitionName: 'resizable', type: 'multinode',
    nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:', container: CONTAINER }] },
  });
});

afterAll(async () => {
  await engine?.close();
});

const submit = (extra: Partial<batch.SubmitJobRequest>) => engine.submitJob({ jobName: fresh('job'), jobQueue: 'ec2-q', jobDefinition: 'plain', ...extra });
const register = (extra: Partial<batch.RegisterJobDefinitionRequest>) =>
  engine.registerJobDefinition({ jobDefinitionName: fresh('def'), type: 'container', containerProperties: CONTAINER, ...extra });

// ---------------------------------------------------------------------------------------------
// The rules against every consumer
// ---------------------------------------------------------------------------------------------

describe('retry attempts (1..10)', () => {
  test.each(RETRY_ATTEMPTS)('model: $label ($value)', ({ value, valid }) => {
    expect(RETRY_ATTEMPTS_RANGE.accepts(value)).toBe(valid);
    expect(retryAttemptsProblems(value).length === 0).toBe(valid);
  });
  test.each(RETRY_ATTEMPTS)('constructs: $label ($value)', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack) => new Ec2ContainerJob(stack, 'Job', { image: IMAGE, retryAttempts: value })), valid, /asks for -?\d+ retry attempts but Batch allows/);
  });
  test.each(RETRY_ATTEMPTS)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => register({ retryStrategy: { attempts: value } }))).toBe(valid);
    expect(await engineAccepts(() => submit({ retryStrategy: { attempts: value } }))).toBe(valid);
  });
  test.each(RETRY_ATTEMPTS)('workflow: $label ($value)', ({ value, valid }) => {
    expectWorkflowVerdict(workflowIssues({ retry: { attempts: value } }), valid, /retry\.attempts/);
  });
});

describe('stuck-job time limit of a queue (600..86,400 seconds)', () => {
  test.each(STUCK_JOB_SECONDS)('model: $label ($value)', ({ value, valid }) => {
    expect(STATE_TIME_LIMIT_SECONDS_RANGE.accepts(value)).toBe(valid);
    expect(modelQueueErrors([ec2Description('A')], { stateTimeLimitSeconds: [value] }).length === 0).toBe(valid);
  });
  test.each(STUCK_JOB_SECONDS)('constructs: $label ($value)', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack, vpc) => new BatchQueue(stack, 'Q', {
      computeEnvironments: [new Ec2Compute(stack, 'C', { vpc: vpc() })], cancelStuckJobsAfter: Duration.seconds(value),
    })), valid, /job state time limit/);
  });
  test.each(STUCK_JOB_SECONDS)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.createJobQueue({
      jobQueueName: fresh('q'), priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'EC2-1' }],
      jobStateTimeLimitActions: [{ reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', state: 'RUNNABLE', action: 'CANCEL', maxTimeSeconds: value }],
    }))).toBe(valid);
  });
});

describe('compute environments of a queue: 1 to 3', () => {
  test.each(QUEUE_COMPUTE_COUNT)('model: $label ($value)', ({ value, valid }) => {
    const computes = Array.from({ length: value }, (_, i) => ec2Description(`C${i}`));
    expect(modelQueueErrors(computes).length === 0).toBe(valid);
  });
  test.each(QUEUE_COMPUTE_COUNT)('constructs: $label ($value)', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack, vpc) => new BatchQueue(stack, 'Q', {
      computeEnvironments: Array.from({ length: value }, (_, i) => new Ec2Compute(stack, `C${i}`, { vpc: vpc() })),
    })), valid, /has \d+ compute environments but Batch expects/);
  });
  test.each(QUEUE_COMPUTE_COUNT)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.createJobQueue({
      jobQueueName: fresh('q'), priority: 1,
      computeEnvironmentOrder: Array.from({ length: value }, (_, i) => ({ order: i + 1, computeEnvironment: `EC2-${i + 1}` })),
    }))).toBe(valid);
  });
});

describe('compute environments of a queue: one kind (EC2/SPOT or FARGATE/FARGATE_SPOT)', () => {
  test.each(QUEUE_KINDS)('model: $label', ({ value, valid }) => {
    expect(modelQueueErrors(value.map((kind, i) => ec2Description(`C${i}`, kind))).length === 0).toBe(valid);
  });
  test.each(QUEUE_KINDS)('constructs: $label', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack, vpc) => new BatchQueue(stack, 'Q', {
      computeEnvironments: value.map((kind, i) => (kind === 'FARGATE' || kind === 'FARGATE_SPOT'
        ? new FargateCompute(stack, `C${i}`, { vpc: vpc(), spot: kind === 'FARGATE_SPOT' })
        : new Ec2Compute(stack, `C${i}`, { vpc: vpc(), spot: kind === 'SPOT' }))),
    })), valid, /mixes Fargate .* and EC2/);
  });
  test.each(QUEUE_KINDS)('engine: $label', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.createJobQueue({
      jobQueueName: fresh('q'), priority: 1,
      computeEnvironmentOrder: value.map((kind, i) => ({ order: i + 1, computeEnvironment: `${kind}-${i + 1}` })),
    }))).toBe(valid);
  });
  test('model: EKS compute never shares a queue with ECS compute', () => {
    expect(queueOrchestrationProblem('Q', [{ name: 'A', orchestration: 'ECS' }, { name: 'B', orchestration: 'ECS' }])).toBeUndefined();
    expect(queueOrchestrationProblem('Q', [{ name: 'A', orchestration: 'ECS' }, { name: 'B', orchestration: 'EKS' }])).toBeDefined();
  });
});

describe('Fargate vCPU and memory combinations', () => {
  test.each(FARGATE_SIZES)('model: $label', ({ value, valid }) => {
    expect(fargatePairProblem(value.vcpus, value.memoryMiB) === undefined).toBe(valid);
  });
  test.each(FARGATE_SIZES)('constructs: $label', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack, vpc) => {
      const queue = new BatchQueue(stack, 'Q', { computeEnvironments: [new FargateCompute(stack, 'C', { vpc: vpc(), maxvCpus: 256 })] });
      new FargateContainerJob(stack, 'Job', { image: IMAGE, vcpus: value.vcpus, memory: Size.mebibytes(value.memoryMiB), queues: [queue] });
    }), valid, /Fargate (accepts|offers)/);
  });
  test.each(FARGATE_SIZES)('engine: $label', async ({ value, valid }) => {
    // Batch registers any pair; a job asking for one Fargate does not offer is refused when submitted.
    const name = fresh('fargate');
    await engine.registerJobDefinition({
      jobDefinitionName: name, type: 'container', platformCapabilities: ['FARGATE'],
      containerProperties: { ...CONTAINER, resourceRequirements: [{ type: 'VCPU', value: String(value.vcpus) }, { type: 'MEMORY', value: String(value.memoryMiB) }] },
    });
    expect(await engineAccepts(() => engine.submitJob({ jobName: fresh('job'), jobQueue: 'fargate-q', jobDefinition: name }))).toBe(valid);
    // The same pair through a submit's overrides of a valid Fargate job definition.
    expect(await engineAccepts(() => engine.submitJob({
      jobName: fresh('job'), jobQueue: 'fargate-q', jobDefinition: 'fargate-base',
      containerOverrides: { resourceRequirements: [{ type: 'VCPU', value: String(value.vcpus) }, { type: 'MEMORY', value: String(value.memoryMiB) }] },
    }))).toBe(valid);
  });
  beforeAll(async () => {
    await engine.registerJobDefinition({
      jobDefinitionName: 'fargate-base', type: 'container', platformCapabilities: ['FARGATE'],
      containerProperties: { ...CONTAINER, resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '2048' }] },
    });
  });
});

describe('names of compute environments, queues, job definitions and jobs', () => {
  test.each(NAMES)('model: $label', ({ value, valid }) => {
    expect(batchNameProblem(value) === undefined).toBe(valid);
  });
  test.each(NAMES)('constructs: $label', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack) => new Ec2ContainerJob(stack, 'Job', { image: IMAGE, jobDefinitionName: value })), valid, /has name/);
    expectCdkVerdict(cdkErrors((stack, vpc) => new BatchQueue(stack, 'Q', {
      jobQueueName: value, computeEnvironments: [new Ec2Compute(stack, 'C', { vpc: vpc() })],
    })), valid, /has name/);
    expectCdkVerdict(cdkErrors((stack, vpc) => new Ec2Compute(stack, 'C', { vpc: vpc(), computeEnvironmentName: value })), valid, /has name/);
  });
  test.each(NAMES)('engine: $label', async ({ value, valid }) => {
    // Each resource kind has its own namespace, so one name is tried for every kind.
    const name = `${value}${valid && value.length < 128 ? fresh('') : ''}`;
    const wanted = valid && name.length <= 128;
    expect(await engineAccepts(() => engine.createComputeEnvironment({
      computeEnvironmentName: name, type: 'MANAGED', state: 'DISABLED',
      computeResources: { type: 'FARGATE', maxvCpus: 4, subnets: [] },
    } as unknown as batch.CreateComputeEnvironmentRequest))).toBe(wanted);
    expect(await engineAccepts(() => engine.createJobQueue({ jobQueueName: name, priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'EC2-1' }] }))).toBe(wanted);
    expect(await engineAccepts(() => register({ jobDefinitionName: name }))).toBe(wanted);
    expect(await engineAccepts(() => submit({ jobName: value }))).toBe(valid);
  });
});

describe('attempt timeout of a job (at least 60 seconds)', () => {
  test.each(JOB_TIMEOUT_SECONDS)('model: $label ($value)', ({ value, valid }) => {
    expect(timeoutProblems(value).length === 0).toBe(valid);
  });
  test.each(JOB_TIMEOUT_SECONDS)('constructs: $label ($value)', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack) => new Ec2ContainerJob(stack, 'Job', { image: IMAGE, timeout: Duration.seconds(value) })), valid, /has a timeout of -?\d+ seconds/);
  });
  test.each(JOB_TIMEOUT_SECONDS)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => register({ timeout: { attemptDurationSeconds: value } }))).toBe(valid);
    expect(await engineAccepts(() => submit({ timeout: { attemptDurationSeconds: value } }))).toBe(valid);
  });
  test.each(JOB_TIMEOUT_SECONDS)('workflow: $label ($value)', ({ value, valid }) => {
    expectWorkflowVerdict(workflowIssues({ timeoutSeconds: value }), valid, /timeoutSeconds/);
  });
});

describe('nodes of a multi-node job (1..1000)', () => {
  test.each(NUM_NODES)('model: $label ($value)', ({ value, valid }) => {
    expect(NUM_NODES_RANGE.accepts(value)).toBe(valid);
    expect(nodeLayoutProblems(value, 0, ['0:']).length === 0).toBe(valid);
  });
  test.each(NUM_NODES)('constructs: $label ($value)', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack) => new MultiNodeJob(stack, 'Mpi', {
      numNodes: value, nodeGroups: [{ startNode: 0, instanceType: new ec2.InstanceType('c6i.xlarge'), image: IMAGE }],
    })), valid, /has numNodes/);
  });
  test.each(NUM_NODES)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.registerJobDefinition({
      jobDefinitionName: fresh('mnp'), type: 'multinode',
      nodeProperties: { numNodes: value, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:', container: CONTAINER }] },
    }))).toBe(valid);
    expect(await engineAccepts(() => submit({ jobDefinition: 'resizable', nodeOverrides: { numNodes: value } }))).toBe(valid);
  });
  test.each(NUM_NODES)('workflow: $label ($value)', ({ value, valid }) => {
    expectWorkflowVerdict(workflowIssues({ numNodes: value }), valid, /numNodes/);
  });
});

describe('node ranges of a four-node job: 1 to 5 groups covering every node once', () => {
  test.each(NODE_RANGES)('model: $label', ({ value, valid }) => {
    expect(nodeLayoutProblems(4, 0, value.map(nodeRangeText)).length === 0).toBe(valid);
  });
  test.each(NODE_RANGES)('constructs: $label', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack) => new MultiNodeJob(stack, 'Mpi', {
      numNodes: 4,
      nodeGroups: value.map((group) => ({ startNode: group.start, endNode: group.end, instanceType: new ec2.InstanceType('c6i.xlarge'), image: IMAGE })),
    })), valid, /node range|node\(s\)|node groups/);
  });
  test.each(NODE_RANGES)('engine: $label', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.registerJobDefinition({
      jobDefinitionName: fresh('mnp'), type: 'multinode',
      nodeProperties: { numNodes: 4, mainNode: 0, nodeRangeProperties: value.map((group) => ({ targetNodes: nodeRangeText(group), container: CONTAINER })) },
    }))).toBe(valid);
  });
});

describe('scheduling priority of a job definition or a submit (0..9999)', () => {
  test.each(SCHEDULING_PRIORITY)('model: $label ($value)', ({ value, valid }) => {
    expect(schedulingPriorityProblem(value) === undefined).toBe(valid);
  });
  test.each(SCHEDULING_PRIORITY)('constructs: $label ($value)', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack) => new Ec2ContainerJob(stack, 'Job', { image: IMAGE, schedulingPriority: value })), valid, /has a schedulingPriority of/);
  });
  test.each(SCHEDULING_PRIORITY)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => register({ schedulingPriority: value }))).toBe(valid);
    expect(await engineAccepts(() => submit({ schedulingPriorityOverride: value }))).toBe(valid);
  });
});

describe('priority of a job queue (0..1000)', () => {
  test.each(QUEUE_PRIORITY)('model: $label ($value)', ({ value, valid }) => {
    expect(modelQueueErrors([ec2Description('A')], { priority: value }).length === 0).toBe(valid);
  });
  test.each(QUEUE_PRIORITY)('constructs: $label ($value)', ({ value, valid }) => {
    expectCdkVerdict(cdkErrors((stack, vpc) => new BatchQueue(stack, 'Q', {
      priority: value, computeEnvironments: [new Ec2Compute(stack, 'C', { vpc: vpc() })],
    })), valid, /has priority -?\d+ but Batch expects/);
  });
  test.each(QUEUE_PRIORITY)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.createJobQueue({
      jobQueueName: fresh('q'), priority: value, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'EC2-1' }],
    }))).toBe(valid);
  });
});

describe('share identifiers of fair-share scheduling', () => {
  test.each(SHARE_IDENTIFIERS)('model: $label', ({ value, valid }) => {
    expect(isShareIdentifier(value)).toBe(valid);
  });
  test.each(SHARE_IDENTIFIERS)('engine: $label', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.createSchedulingPolicy({ name: fresh('policy'), fairsharePolicy: { shareDistribution: [{ shareIdentifier: value }] } }))).toBe(valid);
    expect(await engineAccepts(() => submit({ jobQueue: 'fair-q', shareIdentifier: value }))).toBe(valid);
  });
});

describe('weight factors of fair-share scheduling (0.0001..999.9999)', () => {
  test.each(WEIGHT_FACTORS)('model: $label ($value)', ({ value, valid }) => {
    expect(isWeightFactor(value)).toBe(valid);
  });
  test.each(WEIGHT_FACTORS)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => engine.createSchedulingPolicy({
      name: fresh('policy'), fairsharePolicy: { shareDistribution: [{ shareIdentifier: 'teamA', weightFactor: value }] },
    }))).toBe(valid);
  });
});

describe('array size of a job (2..10,000)', () => {
  test.each(ARRAY_SIZES)('model: $label ($value)', ({ value, valid }) => {
    expect(ARRAY_SIZE_RANGE.accepts(value)).toBe(valid);
  });
  test.each(ARRAY_SIZES)('engine: $label ($value)', async ({ value, valid }) => {
    expect(await engineAccepts(() => submit({ arrayProperties: { size: value } }))).toBe(valid);
  });
  test.each(ARRAY_SIZES)('workflow: $label ($value)', ({ value, valid }) => {
    expectWorkflowVerdict(workflowIssues({ arraySize: value }), valid, /arraySize/);
  });
});

// ---------------------------------------------------------------------------------------------
// Structure: each consumer imports the shared rule
// ---------------------------------------------------------------------------------------------

/** Names a module imports from runtime/model modules, by model module. */
function modelImports(file: string): Map<string, Set<string>> {
  const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const imports = new Map<string, Set<string>>();
  for (const match of source.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
    const resolved = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), match[2]));
    if (!resolved.startsWith(path.join('runtime', 'model') + path.sep)) continue;
    const names = match[1].split(',').map((name) => name.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter((name) => name !== '');
    imports.set(resolved, new Set([...(imports.get(resolved) ?? []), ...names]));
  }
  return imports;
}

/** The model module, the shared rule it exports, and where a consumer must import it from. */
interface SharedRuleUse {
  readonly rule: string;
  readonly module: string;
  readonly name: string;
  readonly consumers: readonly string[];
  /** Bounds written as literals that would betray a private copy in the consumers. */
  readonly copies?: RegExp;
}

const SHARED_RULE_USES: SharedRuleUse[] = [
  { rule: 'retry attempts', module: 'retry-rules', name: 'retryAttemptsProblems', consumers: ['lib/private/resource-checks.ts'] },
  { rule: 'retry attempts', module: 'retry-rules', name: 'RETRY_ATTEMPTS_RANGE', consumers: ['runtime/engine/retry-policy.ts', 'runtime/workflow/validate.ts'], copies: /\b1\s*,\s*10\b/ },
  { rule: 'evaluateOnExit', module: 'retry-rules', name: 'MAX_EVALUATE_ON_EXIT_RULES', consumers: ['runtime/engine/retry-policy.ts', 'runtime/workflow/validate.ts'] },
  { rule: 'evaluateOnExit', module: 'retry-rules', name: 'EXIT_CODE_PATTERN', consumers: ['runtime/engine/retry-policy.ts', 'runtime/workflow/validate.ts'] },
  { rule: 'stuck-job time limit', module: 'queue-rules', name: 'STATE_TIME_LIMIT_SECONDS_RANGE', consumers: ['lib/job-queue.ts', 'runtime/engine/request-checks.ts'], copies: /\b600\b|86_?400/ },
  { rule: 'queue composition', module: 'queue-rules', name: 'queueFindings', consumers: ['lib/private/resource-checks.ts'] },
  { rule: 'queue composition', module: 'queue-rules', name: 'QUEUE_COMPUTE_ENVIRONMENTS_RANGE', consumers: ['runtime/engine/resources.ts'] },
  { rule: 'queue composition', module: 'queue-rules', name: 'mixesFargateAndEc2', consumers: ['runtime/engine/resources.ts'] },
  { rule: 'queue priority', module: 'queue-rules', name: 'QUEUE_PRIORITY_RANGE', consumers: ['runtime/engine/resources.ts'], copies: /\b0\s*,\s*1_?000\b/ },
  { rule: 'Fargate sizes', module: 'fargate', name: 'fargatePairProblem', consumers: ['runtime/model/placement.ts', 'lib/private/job-definition-checks.ts', 'runtime/engine/submit-request.ts'] },
  { rule: 'Fargate sizes', module: 'placement', name: 'placeOnQueue', consumers: ['lib/private/resource-checks.ts', 'runtime/inspect/placement-report.ts'] },
  { rule: 'names', module: 'name-rules', name: 'batchNameProblem', consumers: ['lib/private/resource-checks.ts', 'runtime/engine/errors.ts'] },
  { rule: 'job timeout', module: 'retry-rules', name: 'timeoutProblems', consumers: ['lib/private/resource-checks.ts'] },
  { rule: 'job timeout', module: 'retry-rules', name: 'ATTEMPT_TIMEOUT_SECONDS_RANGE', consumers: ['runtime/engine/resources.ts', 'runtime/engine/submit-request.ts', 'runtime/workflow/validate.ts'] },
  { rule: 'multi-node layout', module: 'multi-node-rules', name: 'nodeLayoutProblems', consumers: ['lib/private/resource-checks.ts', 'runtime/engine/request-checks.ts'] },
  { rule: 'multi-node placement', module: 'multi-node-rules', name: 'multiNodeCapableCompute', consumers: ['lib/private/resource-checks.ts', 'runtime/inspect/placement-report.ts'] },
  { rule: 'numNodes', module: 'job-rules', name: 'NUM_NODES_RANGE', consumers: ['runtime/model/multi-node-rules.ts', 'runtime/engine/request-checks.ts', 'runtime/engine/submit-request.ts', 'runtime/workflow/validate.ts'], copies: /numNodes.*\b1\s*,\s*1_?000\b/ },
  { rule: 'array size', module: 'job-rules', name: 'ARRAY_SIZE_RANGE', consumers: ['runtime/engine/submit-request.ts', 'runtime/workflow/validate.ts'], copies: /10_?000/ },
  { rule: 'dependencies', module: 'job-rules', name: 'MAX_JOB_DEPENDENCIES', consumers: ['runtime/engine/submit-request.ts', 'runtime/workflow/validate.ts'] },
  { rule: 'scheduling priority', module: 'container-settings-rules', name: 'schedulingPriorityProblem', consumers: ['lib/private/job-definition-checks.ts'] },
  { rule: 'scheduling priority', module: 'container-settings-rules', name: 'SCHEDULING_PRIORITY_RANGE', consumers: ['runtime/engine/resources.ts', 'runtime/engine/submit-request.ts'], copies: /9_?999/ },
  { rule: 'share identifier', module: 'fair-share-rules', name: 'isShareIdentifier', consumers: ['runtime/engine/scheduling-policies.ts'], copies: /\{1,255\}/ },
  { rule: 'weight factor', module: 'fair-share-rules', name: 'isWeightFactor', consumers: ['runtime/engine/scheduling-policies.ts'], copies: /999\.9999|0\.0001/ },
  { rule: 'environment names', module: 'environment-rules', name: 'environmentNameProblem', consumers: ['runtime/workflow/validate.ts', 'runtime/engine/job-container.ts'] },
  { rule: 'tags', module: 'tag-rules', name: 'MAX_TAGS', consumers: ['runtime/engine/errors.ts', 'runtime/engine/engine.ts', 'runtime/workflow/validate.ts'], copies: /\b50\b/ },
  { rule: 'tags', module: 'tag-rules', name: 'tagProblem', consumers: ['runtime/engine/errors.ts'], copies: /\b128\b|\b256\b/ },
  { rule: 'DescribeJobs ids', module: 'job-rules', name: 'MAX_DESCRIBE_JOBS', consumers: ['runtime/engine/engine.ts', 'runtime/workflow/batch-calls.ts'] },
];

describe('each consumer imports the shared rule from runtime/model', () => {
  const rows = SHARED_RULE_USES.flatMap((use) => use.consumers.map((consumer) => ({ ...use, consumer })));
  test.each(rows)('$rule: $consumer imports $name from runtime/model/$module', ({ consumer, module, name }) => {
    const imported = modelImports(consumer).get(path.join('runtime', 'model', `${module}.ts`)) ?? modelImports(consumer).get(path.join('runtime', 'model', module));
    expect([...(imported ?? [])]).toContain(name);
  });
  test.each(SHARED_RULE_USES.filter((use) => use.copies !== undefined))('$rule: no consumer writes the bounds of $name itself', ({ consumers, copies }) => {
    for (const consumer of consumers) {
      const source = fs.readFileSync(path.join(ROOT, consumer), 'utf8');
      const code = source.split('\n').filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join('\n');
      expect({ consumer, copy: copies!.exec(code)?.[0] }).toEqual({ consumer, copy: undefined });
    }
  });
});

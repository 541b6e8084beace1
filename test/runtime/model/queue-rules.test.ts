import { ComputeDescription } from '../../../runtime/model/placement';
import { queueFindings, repeatedStuckReasons } from '../../../runtime/model/queue-rules';

const ec2 = (name: string, instanceTypes: string[] = ['m6i']): ComputeDescription => ({ name, kind: 'EC2', instanceTypes });
const fargate = (name: string): ComputeDescription => ({ name, kind: 'FARGATE', instanceTypes: [] });
const queue = (computes: ComputeDescription[], orders = computes.map((_, i) => i + 1), stateTimeLimitSeconds: number[] = []) => ({
  name: 'Q', computeEnvironments: computes.map((compute, i) => ({ compute, order: orders[i] })), stateTimeLimitSeconds,
});

describe('queue rules', () => {
  test('accepts one to three compute environments of one kind and architecture', () => {
    expect(queueFindings(queue([ec2('A'), ec2('B', ['c6i']), ec2('C', ['r6i.large'])], [1, 2, 3], [600, 86400]))).toEqual({ errors: [], warnings: [] });
  });

  test('fails when a queue has no compute environment or more than three', () => {
    expect(queueFindings(queue([])).errors).toEqual(["queue 'Q' has 0 compute environments but Batch expects 1 to 3"]);
    expect(queueFindings(queue([ec2('A'), ec2('B'), ec2('C'), ec2('D')])).errors).toEqual(["queue 'Q' has 4 compute environments but Batch expects 1 to 3"]);
  });

  test('fails when two compute environments share an order', () => {
    expect(queueFindings(queue([ec2('A'), ec2('B')], [1, 1])).errors).toEqual(["queue 'Q' gives order 1 to 2 compute environments ('A', 'B') but each order must be distinct"]);
  });

  test('fails when Fargate and EC2 are mixed', () => {
    expect(queueFindings(queue([ec2('A'), fargate('F')])).errors).toEqual(["queue 'Q' mixes Fargate ('F') and EC2 ('A') compute environments but Batch expects one kind"]);
  });

  test('fails when architectures are mixed', () => {
    expect(queueFindings(queue([ec2('Intel', ['m6i']), ec2('Graviton', ['m6g'])])).errors).toEqual([
      "queue 'Q' mixes architectures ('Intel' offers x86_64, 'Graviton' offers arm64) but expected one architecture",
    ]);
  });

  test('warns when managed and unmanaged compute are mixed', () => {
    const findings = queueFindings(queue([ec2('Managed'), { name: 'Own', kind: 'UNMANAGED', instanceTypes: [] }]));
    expect(findings.errors).toEqual([]);
    expect(findings.warnings).toEqual(["queue 'Q' mixes managed ('Managed') and unmanaged ('Own') compute environments: jobs may wait on instances nobody scales"]);
  });

  test('fails when a job state time limit is outside 600..86400 seconds', () => {
    expect(queueFindings(queue([ec2('A')], [1], [599, 86401])).errors).toEqual([
      "queue 'Q' has a job state time limit of 599 seconds but Batch expects 600..86400",
      "queue 'Q' has a job state time limit of 86401 seconds but Batch expects 600..86400",
    ]);
  });
});

describe('repeatedStuckReasons', () => {
  test('accepts one action per reason', () => {
    expect(repeatedStuckReasons("queue 'Q'", ['CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT'])).toEqual([]);
  });

  test('names each repeated reason once', () => {
    const capacity = 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY';
    expect(repeatedStuckReasons("queue 'Q'", [capacity, capacity, capacity]))
      .toEqual(["queue 'Q' gives reason CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY more than one time limit but Batch takes one action per reason"]);
  });
});

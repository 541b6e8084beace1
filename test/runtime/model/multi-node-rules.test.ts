import { multiNodeQueueProblem, nodeLayoutProblems, parseTargetNodes } from '../../../runtime/model/multi-node-rules';

describe('node ranges', () => {
  test('parses full, open-ended and single-node ranges', () => {
    expect(parseTargetNodes('0:3', 8)).toEqual({ start: 0, end: 3 });
    expect(parseTargetNodes(':3', 8)).toEqual({ start: 0, end: 3 });
    expect(parseTargetNodes('4:', 8)).toEqual({ start: 4, end: 7 });
    expect(parseTargetNodes('5', 8)).toEqual({ start: 5, end: 5 });
    expect(parseTargetNodes('a:b', 8)).toBeUndefined();
  });

  test('accepts ranges that cover every node exactly with the main node inside', () => {
    expect(nodeLayoutProblems(4, 0, ['0:0', '1:3'])).toEqual([]);
  });

  test('fails when ranges overlap', () => {
    expect(nodeLayoutProblems(4, 0, ['0:2', '2:3'])).toEqual(["has node ranges '0:2' and '2:3' that overlap at node 2"]);
  });

  test('fails when ranges leave nodes without a group', () => {
    expect(nodeLayoutProblems(6, 0, ['0:1', '4:5'])).toEqual(['leaves node(s) 2, 3 without a node group but its ranges must cover 0..5 exactly']);
  });

  test('fails when a range goes past the last node or starts after it ends', () => {
    expect(nodeLayoutProblems(4, 0, ['0:5'])).toContain("has node range '0:5' beyond its 4 nodes (0..3)");
    expect(nodeLayoutProblems(4, 0, ['3:1', '0:3'])).toContain("has node range '3:1' that starts after it ends");
  });

  test('fails when the main node is outside the nodes', () => {
    expect(nodeLayoutProblems(2, 2, ['0:1'])).toEqual(['has main node 2 outside its nodes 0..1']);
  });

  test('fails when there are no node groups or more than five', () => {
    expect(nodeLayoutProblems(1, 0, [])[0]).toBe('has 0 node groups but Batch expects 1 to 5');
    expect(nodeLayoutProblems(6, 0, ['0', '1', '2', '3', '4', '5'])).toEqual(['has 6 node groups but Batch expects 1 to 5']);
  });
});

describe('multi-node queues', () => {
  test('fails when a queue has only Spot or Fargate compute', () => {
    const queue = { name: 'Cheap', computeEnvironments: [{ name: 'Spot', kind: 'SPOT' as const, instanceTypes: ['c5'] }] };
    expect(multiNodeQueueProblem("job definition 'Mpi'", queue)).toBe(
      "job definition 'Mpi' is multi-node but queue 'Cheap' has only SPOT compute environments: multi-node jobs run on on-demand EC2 only");
    expect(multiNodeQueueProblem('x', { name: 'Ok', computeEnvironments: [{ name: 'Od', kind: 'EC2', instanceTypes: ['c5'] }] })).toBeUndefined();
  });
});

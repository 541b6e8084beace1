import { multiNodeQueueProblem, nodeLayoutProblems, numNodesOverrideProblem, parseTargetNodes } from '../../../runtime/model/multi-node-rules';

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

describe('numNodes overrides at SubmitJob', () => {
  const open = { numNodes: 4, mainNode: 0, targetNodes: ['0', '1:'] };

  test('an open last range lets a job run on fewer or more nodes', () => {
    expect(numNodesOverrideProblem(open, 2)).toBeUndefined();
    expect(numNodesOverrideProblem(open, 16)).toBeUndefined();
  });

  test('the definition\'s own count needs no open range', () => {
    expect(numNodesOverrideProblem({ numNodes: 4, mainNode: 0, targetNodes: ['0', '1:3'] }, 4)).toBeUndefined();
  });

  test('fails when no node range is open at the end', () => {
    expect(numNodesOverrideProblem({ numNodes: 4, mainNode: 0, targetNodes: ['0:0', '1:3'] }, 2)).toBe(
      "cannot change the job definition's 4 nodes to 2: none of its node ranges ('0:0', '1:3') is open at the end ('n:'), which Batch requires to resize a job");
  });

  test('fails when a node range starts at or beyond the new count', () => {
    expect(numNodesOverrideProblem({ numNodes: 4, mainNode: 0, targetNodes: ['0:1', '2:'] }, 2)).toBe(
      "cannot run 2 nodes: node range '2:' of the job definition starts at or beyond node 2; expected more than 2 nodes");
  });

  test('fails when the main node is beyond the new count', () => {
    expect(numNodesOverrideProblem({ numNodes: 4, mainNode: 3, targetNodes: ['0:'] }, 3)).toBe(
      "cannot run 3 nodes: the job definition's main node is 3; expected more than 3 nodes");
  });
});

import { imageArchitectureFromParameter, imageArchitectureProblem } from '../../../runtime/model/ami-rules';
import { eksPodDemand, orchestrationProblem, parseCpuQuantity, parseMemoryQuantityMiB, queueOrchestrationProblem } from '../../../runtime/model/eks-rules';
import { clusterPlacementProblems, supportsClusterPlacement } from '../../../runtime/model/placement-group-rules';

describe('cluster placement groups', () => {
  test('take every type but burstable, flex and the oldest ones', () => {
    expect(supportsClusterPlacement('c5n.18xlarge')).toBe(true);
    expect(supportsClusterPlacement('c4.large')).toBe(true);
    expect(supportsClusterPlacement('m6i.large')).toBe(true);
    expect(supportsClusterPlacement('t3.large')).toBe(false);
    expect(supportsClusterPlacement('m7i-flex.large')).toBe(false);
    expect(supportsClusterPlacement('m1.small')).toBe(false);
    expect(supportsClusterPlacement('nope.large')).toBeUndefined();
    expect(clusterPlacementProblems("'Pg'", ['c5n.18xlarge', 'c6i', 'optimal'])).toEqual([]);
  });

  test('fails when a listed type or family cannot be placed in one', () => {
    expect(clusterPlacementProblems("'Pg'", ['c5n.18xlarge', 't3.large', 't2'])).toEqual([
      "has cluster placement group 'Pg' but EC2 cannot launch t3.large, t2 (every size) into a cluster placement group "
      + '(burstable, flex and the oldest types): list other types, or drop placementGroup',
    ]);
  });
});

describe('image architecture', () => {
  test('is told from the AWS SSM parameter that names the image', () => {
    expect(imageArchitectureFromParameter('/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/recommended/image_id')).toBe('arm64');
    expect(imageArchitectureFromParameter('/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id')).toBe('x86_64');
    expect(imageArchitectureFromParameter('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64')).toBe('x86_64');
    expect(imageArchitectureFromParameter('/my/team/golden-ami')).toBeUndefined();
  });

  test('fails when the instance types offer another architecture', () => {
    expect(imageArchitectureProblem('/p', 'arm64', ['arm64'])).toBeUndefined();
    expect(imageArchitectureProblem('/p', 'arm64', ['x86_64'])).toBe('uses image /p built for arm64 but its instance types offer x86_64: give an arm64 image, or instance types of arm64 only');
  });
});

describe('EKS pods', () => {
  test('parse Kubernetes quantities', () => {
    expect(parseCpuQuantity('500m')).toBe(0.5);
    expect(parseCpuQuantity(2)).toBe(2);
    expect(parseCpuQuantity('two')).toBeUndefined();
    expect(parseMemoryQuantityMiB('2Gi')).toBe(2048);
    expect(parseMemoryQuantityMiB('1048576')).toBe(1);
  });

  test('sum what their containers ask for, the larger of limit and request', () => {
    const { demand, problems } = eksPodDemand([
      { name: 'main', limits: { cpu: 2, memory: '4096Mi' }, requests: { cpu: 1 } },
      { name: 'side', limits: {}, requests: { cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': '1' } },
    ]);
    expect(problems).toEqual([]);
    expect(demand).toEqual({ vcpus: 2.5, memoryMiB: 5120, gpus: 1 });
  });

  test('fails when limits and requests disagree, cpu is off the 0.25 step, or memory is missing', () => {
    const { problems } = eksPodDemand([{ name: 'main', limits: { cpu: '1', memory: '2Gi' }, requests: { cpu: '2', memory: '1Gi' } }, { name: 'odd', limits: { cpu: '0.3' }, requests: {} }]);
    expect(problems).toEqual([
      "has container 'main' with cpu limit 1 below its request 2",
      "has container 'odd' with cpu 0.3 but Batch expects a multiple of 0.25",
      "has container 'main' with memory limit 2Gi and request 1Gi but Batch expects them equal",
    ]);
    expect(eksPodDemand([{ name: 'x', limits: { cpu: '1' }, requests: {} }]).problems).toEqual(['asks for 0 MiB of memory (limits or requests) but Batch expects at least 4 MiB']);
  });

  test('fails when a job meets compute of the other orchestration, or a queue mixes them', () => {
    expect(orchestrationProblem("job definition 'J'", 'ECS', 'Q', [{ name: 'A', orchestration: 'ECS' }])).toBeUndefined();
    expect(orchestrationProblem("job definition 'J'", 'ECS', 'Q', [{ name: 'E', orchestration: 'EKS' }])).toMatch(/^job definition 'J' is an ECS job definition but queue 'Q' has only EKS compute environments \('E'\)/);
    expect(queueOrchestrationProblem('Q', [{ name: 'A', orchestration: 'ECS' }, { name: 'E', orchestration: 'EKS' }]))
      .toBe("queue 'Q' mixes ECS ('A') and EKS ('E') compute environments but Batch expects one orchestration per queue");
  });
});

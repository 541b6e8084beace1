import { batchkitSetup, plainL2Setup, resourceCount } from '../../bench/synth-setups';

describe('resources per job definition', () => {
  // The marginal cost of ten more job definitions, so compute, queues and shared roles cancel out.
  function perJobDefinition(build: typeof batchkitSetup): number {
    const small = resourceCount(build({ computeEnvironments: 2, queues: 2, jobDefinitions: 10 }));
    const large = resourceCount(build({ computeEnvironments: 2, queues: 2, jobDefinitions: 20 }));
    return (large - small) / 10;
  }

  test('batchkit needs at most half the resources of the plain L2 per job definition', () => {
    const batchkit = perJobDefinition(batchkitSetup);
    const plain = perJobDefinition(plainL2Setup);
    // batchkit: the job definition and its job role; the L2 adds an execution role and its policy to each.
    expect(batchkit).toBeLessThanOrEqual(plain / 2);
  });

  test('batchkit needs fewer resources than the plain L2 for the whole setup', () => {
    const size = { computeEnvironments: 3, queues: 3, jobDefinitions: 30 };
    expect(resourceCount(batchkitSetup(size))).toBeLessThan(resourceCount(plainL2Setup(size)));
  });
});

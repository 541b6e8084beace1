import { containerMemoryProblem, fargateEphemeralStorageProblem } from '../../../runtime/model/container-resource-rules';

describe('containerMemoryProblem', () => {
  test('accepts 4 MiB and more', () => {
    expect(containerMemoryProblem(4)).toBeUndefined();
    expect(containerMemoryProblem(2048)).toBeUndefined();
  });

  test('fails when memory is under 4 MiB', () => {
    expect(containerMemoryProblem(2)).toBe('asks for 2 MiB of memory but Batch expects at least 4');
  });
});

describe('fargateEphemeralStorageProblem', () => {
  test('accepts 21 to 200 GiB', () => {
    expect(fargateEphemeralStorageProblem(21)).toBeUndefined();
    expect(fargateEphemeralStorageProblem(200)).toBeUndefined();
  });

  test.each([20, 201, 21.5])('fails when it is %d GiB', (gib) => {
    expect(fargateEphemeralStorageProblem(gib)).toBe(`asks for ${gib} GiB of ephemeral storage but Fargate accepts 21..200 GiB`);
  });
});

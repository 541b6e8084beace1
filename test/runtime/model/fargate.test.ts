import { FARGATE_SIZES, fargatePairProblem, findFargateSize } from '../../../runtime/model/fargate';

describe('Fargate vCPU/memory pairs', () => {
  test.each([
    [0.25, 512], [0.25, 2048], [0.5, 4096], [1, 2048], [2, 16384], [4, 30720], [8, 16384], [8, 61440], [16, 32768], [16, 122880],
  ])('accepts %p vCPUs with %p MiB', (vcpus, memory) => {
    expect(fargatePairProblem(vcpus, memory)).toBeUndefined();
  });

  test.each([
    [0.25, 1536, '1536 MiB of memory with 0.25 vCPUs but Fargate accepts 512, 1024 or 2048 MiB with 0.25 vCPUs'],
    [2, 2048, '2048 MiB of memory with 2 vCPUs but Fargate accepts 4096..16384 MiB in steps of 1024 with 2 vCPUs'],
    [8, 18432, '18432 MiB of memory with 8 vCPUs but Fargate accepts 16384..61440 MiB in steps of 4096 with 8 vCPUs'],
    [3, 4096, '3 vCPUs but Fargate offers 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs'],
  ])('refuses %p vCPUs with %p MiB', (vcpus, memory, message) => {
    expect(fargatePairProblem(vcpus, memory)).toBe(message);
  });

  test('lists every size from 0.25 to 16 vCPUs with ascending choices', () => {
    expect(FARGATE_SIZES.map((s) => s.vcpus)).toEqual([0.25, 0.5, 1, 2, 4, 8, 16]);
    expect(findFargateSize(4)!.memoryChoicesMiB).toHaveLength((30720 - 8192) / 1024 + 1);
  });
});

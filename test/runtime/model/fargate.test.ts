import { FARGATE_SIZES, fargatePairProblem, fargatePlatformVersionProblem, fargateSizesFor, findFargateSize } from '../../../runtime/model/fargate';

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

describe('Fargate sizes of Windows containers', () => {
  test.each([[1, 2048], [2, 16384], [4, 8192], [16, 122880]])('accepts %p vCPUs with %p MiB', (vcpus, memory) => {
    expect(fargatePairProblem(vcpus, memory, 'WINDOWS')).toBeUndefined();
  });

  test.each([
    [0.25, 512, '0.25 vCPUs but Fargate offers 1, 2, 4, 8 or 16 vCPUs to Windows containers'],
    [0.5, 1024, '0.5 vCPUs but Fargate offers 1, 2, 4, 8 or 16 vCPUs to Windows containers'],
    [1, 1024, '1024 MiB of memory with 1 vCPUs but Fargate accepts 2048..8192 MiB in steps of 1024 with 1 vCPUs'],
  ])('refuses %p vCPUs with %p MiB', (vcpus, memory, message) => {
    expect(fargatePairProblem(vcpus, memory, 'WINDOWS')).toBe(message);
  });

  test('offers Windows the Linux sizes from 1 vCPU up', () => {
    expect(fargateSizesFor('WINDOWS').map((s) => s.vcpus)).toEqual([1, 2, 4, 8, 16]);
    expect(findFargateSize(0.5, 'WINDOWS')).toBeUndefined();
  });
});

describe('Fargate platform versions', () => {
  test.each([
    [{ platformVersion: 'LATEST', os: 'LINUX', vcpus: 16, ephemeralStorageGiB: 100 }],
    [{ platformVersion: '1.4.0', os: 'LINUX', vcpus: 8 }],
    [{ platformVersion: '1.3.0', os: 'LINUX', vcpus: 4 }],
    [{ platformVersion: '1.0.0', os: 'WINDOWS', vcpus: 2 }],
    [{ platformVersion: 'LATEST', os: 'WINDOWS' }],
  ] as const)('accepts %j', (request) => {
    expect(fargatePlatformVersionProblem(request)).toBeUndefined();
  });

  test.each([
    [{ platformVersion: '1.3.0', os: 'LINUX', vcpus: 8, ephemeralStorageGiB: 40 } as const,
      'asks for 40 GiB of ephemeral storage and 8 vCPUs on Fargate platform version 1.3.0 but that needs 1.4.0 or later (or LATEST)'],
    [{ platformVersion: '1.4.0', os: 'WINDOWS' } as const, 'runs Windows on Fargate platform version 1.4.0 but Windows tasks run on LATEST or 1.0.0'],
  ])('refuses %j', (request, message) => {
    expect(fargatePlatformVersionProblem(request)).toBe(message);
  });
});

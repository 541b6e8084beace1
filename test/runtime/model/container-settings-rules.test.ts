import {
  efaDevicePaths, linuxSettingsFindings, schedulingPriorityProblem, ulimitProblems, windowsSettingsProblem,
} from '../../../runtime/model/container-settings-rules';

const NONE = { devicePaths: [], tmpfsSizesMiB: [] };

describe('linuxSettingsFindings', () => {
  test('accepts whole sizes, swappiness 0..100 and a /dev/shm within memory on EC2', () => {
    expect(linuxSettingsFindings({ ...NONE, sharedMemorySizeMiB: 1024, maxSwapMiB: 0, swappiness: 100, tmpfsSizesMiB: [64] }, 'EC2', 2048))
      .toEqual({ errors: [], warnings: [] });
  });

  test('refuses fractional sizes, swappiness out of range and empty tmpfs on EC2', () => {
    expect(linuxSettingsFindings({ sharedMemorySizeMiB: 0.5, maxSwapMiB: -1, swappiness: 101, devicePaths: [], tmpfsSizesMiB: [0] }, 'EC2', 2048).errors).toEqual([
      'has a sharedMemorySize of 0.5 MiB but Batch expects a whole number of MiB, at least 1',
      'has a maxSwap of -1 MiB but Batch expects a whole number of MiB, 0 or more',
      'has a swappiness of 101 but Batch expects a whole number from 0 to 100',
      'has a tmpfs mount of 0 MiB but Batch expects a whole number of MiB, at least 1',
    ]);
  });

  test('warns when /dev/shm exceeds the container memory', () => {
    expect(linuxSettingsFindings({ ...NONE, sharedMemorySizeMiB: 4096 }, 'EC2', 1024).warnings)
      .toEqual(["has a sharedMemorySize of 4096 MiB, more than its 1024 MiB of memory: /dev/shm pages count against the container's memory, so it can never be filled"]);
  });

  test('lets Fargate have an init process only', () => {
    expect(linuxSettingsFindings(NONE, 'FARGATE', 2048).errors).toEqual([]);
    expect(linuxSettingsFindings({ devicePaths: ['/dev/fuse'], tmpfsSizesMiB: [8], swappiness: 1 }, 'FARGATE', 2048).errors)
      .toEqual(['sets linuxParameters devices, tmpfs, swappiness but Fargate jobs accept only initProcessEnabled']);
  });
});

describe('ulimitProblems', () => {
  test('accepts distinct names with soft at most hard', () => {
    expect(ulimitProblems([{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }, { name: 'memlock', softLimit: -1, hardLimit: -1 }, { name: 'stack', softLimit: 8, hardLimit: -1 }])).toEqual([]);
  });

  test('refuses inverted, negative and repeated limits', () => {
    expect(ulimitProblems([
      { name: 'nofile', softLimit: 10, hardLimit: 1 },
      { name: 'core', softLimit: -2, hardLimit: 0 },
      { name: 'rss', softLimit: -1, hardLimit: 10 },
      { name: 'nofile', softLimit: 1, hardLimit: 1 },
    ])).toEqual([
      "has ulimit 'nofile' with a soft limit of 10 above its hard limit of 1: the container would not start",
      "has ulimit 'core' with limits -2/0 but expected whole numbers, 0 or more, or -1 for unlimited",
      "has ulimit 'rss' with a soft limit of -1 above its hard limit of 10: the container would not start",
      "sets ulimit 'nofile' more than once but Batch expects one entry per name",
    ]);
  });
});

describe('windowsSettingsProblem', () => {
  test('names only the settings Windows refuses', () => {
    expect(windowsSettingsProblem([])).toBeUndefined();
    expect(windowsSettingsProblem(['user', 'ulimits', 'volumes']))
      .toBe('runs Windows but sets user, ulimits, which Batch refuses for Windows containers');
  });
});

describe('schedulingPriorityProblem', () => {
  test.each([0, 9999])('accepts %p', (priority) => {
    expect(schedulingPriorityProblem(priority)).toBeUndefined();
  });

  test.each([-1, 10000, 1.5])('refuses %p', (priority) => {
    expect(schedulingPriorityProblem(priority)).toBe(`has a schedulingPriority of ${priority} but Batch expects a whole number from 0 to 9999`);
  });
});

test('efaDevicePaths picks the /dev/infiniband devices', () => {
  expect(efaDevicePaths(['/dev/fuse', '/dev/infiniband/uverbs0', '/dev/infiniband/uverbs1'])).toEqual(['/dev/infiniband/uverbs0', '/dev/infiniband/uverbs1']);
});

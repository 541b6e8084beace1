import { ECS_AGENT_RESERVED_MIB, expandInstanceTypeEntry, findInstanceType, instanceTypeCount, jobMemoryLimitMiB } from '../../../runtime/model/instance-catalog';

describe('instance catalog', () => {
  test('knows instance types with their vCPUs, memory, GPUs and architectures', () => {
    const g5 = findInstanceType('g5.12xlarge');
    expect(g5).toMatchObject({ vcpus: 48, memoryMiB: 196608, gpus: 4, architectures: ['x86_64'] });
    expect(findInstanceType('m6g.large')?.architectures).toEqual(['arm64']);
    expect(findInstanceType('no.such')).toBeUndefined();
    expect(instanceTypeCount()).toBeGreaterThan(1000);
  });

  test('leaves a job on an m4.large at most 7953 MiB, as in AWS\'s own example', () => {
    // 8192 MiB installed, 7985 MiB reported by the OS, 32 MiB for the ECS agent.
    expect(jobMemoryLimitMiB(8192)).toBe(7985 - ECS_AGENT_RESERVED_MIB);
    expect(findInstanceType('m4.large')?.jobMemoryMiB).toBe(7953);
  });

  test('expands a family name to every size of the family', () => {
    const sizes = expandInstanceTypeEntry('c5')!.map((t) => t.name);
    expect(sizes).toContain('c5.large');
    expect(sizes).toContain('c5.24xlarge');
    expect(sizes.every((name) => name.startsWith('c5.'))).toBe(true);
  });

  test('expands optimal like default_x86_64 and default_arm64 to Graviton families', () => {
    const families = (entry: string) => new Set(expandInstanceTypeEntry(entry)!.map((t) => t.name.split('.')[0]));
    expect(families('optimal')).toEqual(new Set(['m6i', 'c6i', 'r6i', 'c7i']));
    expect(families('default_x86_64')).toEqual(families('optimal'));
    expect(families('default_arm64')).toEqual(new Set(['m6g', 'c6g', 'r6g', 'c7g']));
  });

  test('returns undefined for an entry that is neither a type, a family nor a shortcut', () => {
    expect(expandInstanceTypeEntry('z99')).toBeUndefined();
    expect(expandInstanceTypeEntry('m5.large')!.map((t) => t.name)).toEqual(['m5.large']);
  });
});

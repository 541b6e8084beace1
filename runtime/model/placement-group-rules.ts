/**
 * Which instance types EC2 can launch into a cluster placement group, the low-latency layout
 * tightly coupled multi-node jobs ask for. A compute environment with a cluster placement group
 * whose instance types EC2 refuses there never gets instances: its jobs sit RUNNABLE. Every type
 * qualifies except burstable (T) and flex types and the oldest families (c1, m1, m2, m3, t1). The
 * flag per type is generated into the instance catalog.
 */
import { expandInstanceTypeEntry } from './instance-catalog';
import { INSTANCE_TYPE_ROWS } from './instance-catalog.generated';

/** Whether EC2 launches `instanceType` into a cluster placement group; `undefined` when the catalog does not know it. */
export function supportsClusterPlacement(instanceType: string): boolean | undefined {
  const row = INSTANCE_TYPE_ROWS[instanceType];
  return row ? row[4] === 1 : undefined;
}

/**
 * Problems of a compute environment with a cluster placement group, from its instance type
 * entries (types, families or shortcuts); each completes "<compute environment> ...". Entries
 * the catalog does not know are left to the catalog check.
 */
export function clusterPlacementProblems(placementGroup: string, instanceTypeEntries: readonly string[]): string[] {
  const refused: string[] = [];
  for (const entry of instanceTypeEntries) {
    const types = expandInstanceTypeEntry(entry) ?? [];
    const unsupported = types.filter((t) => supportsClusterPlacement(t.name) === false).map((t) => t.name);
    if (unsupported.length === 0) continue;
    refused.push(unsupported.length === types.length && types.length > 1 ? `${entry} (every size)` : unsupported.join(', '));
  }
  if (refused.length === 0) return [];
  return [`has cluster placement group ${placementGroup} but EC2 cannot launch ${refused.join(', ')} into a cluster placement group `
    + '(burstable, flex and the oldest types): list other types, or drop placementGroup'];
}

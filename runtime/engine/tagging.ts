/**
 * TagResource, UntagResource and ListTagsForResource over every taggable resource: compute
 * environments, queues, job definition revisions, consumable resources and top-level jobs (AWS does not tag array
 * children or multi-node nodes on their own).
 */
import { ArnScope, parseScopedArn } from '../model/arns';
import { invalid, shown } from './errors';
import { jobTags } from './job-detail';
import type { JobGraph } from './job-graph';
import type { JobRecord } from './job-record';
import type { ResourceRegistry } from './resources';
import type { ConsumableResourceRegistry } from './consumable-resources';

/** Replaces the tags of the resource `arn` names with `update(current tags)`; ClientException for an unknown ARN. */
export function updateTags(
  arn: string,
  update: (current: Record<string, string>) => Record<string, string>,
  graph: JobGraph,
  resources: ResourceRegistry,
  jobChanged: (job: JobRecord) => void,
  scope: ArnScope,
  consumables?: ConsumableResourceRegistry,
): void {
  const parsed = parseScopedArn(arn, scope);
  const consumable = parsed?.resourceType === 'consumable-resource' ? consumables?.resources.get(parsed.resourceName) : undefined;
  if (consumable) {
    consumable.tags = update({ ...consumable.tags });
    consumables!.touch(consumable);
    return;
  }
  if (parsed?.resourceType === 'job') {
    const job = graph.jobs.get(parsed.resourceName)
      ?? invalid(`resourceArn ${shown(arn)} names no job this engine knows (child jobs of array and multi-node jobs carry no tags of their own)`);
    job.changedTags = update(jobTags(job));
    jobChanged(job);
    return;
  }
  const tagged = resources.findTagged(arn) ?? invalid(`resourceArn ${shown(arn)} names no compute environment, job queue, job definition or job this engine knows`);
  tagged.detail.tags = update({ ...tagged.detail.tags });
  resources.touch(tagged.kind, tagged.key, tagged.detail);
}

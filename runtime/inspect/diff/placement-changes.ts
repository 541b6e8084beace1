/**
 * Where job definitions can run before and after a deploy, judged by the same placement rules
 * as the synth-time checks and `batchkit check` (`placementReport`), and what changed: a job
 * definition that could start on a queue and no longer can would sit in RUNNABLE forever.
 */
import { declaredBatchResources } from '../batch-resources';
import type { CfnTemplate } from '../cloud-assembly';
import { placementReport } from '../placement-report';

/** One job definition against one queue whose verdict changed. */
export interface PlacementChange {
  readonly jobDefinition: string;
  readonly jobDefinitionLogicalId: string;
  readonly queue: string;
  readonly queueLogicalId: string;
  /** Why it no longer fits (empty for a gain). */
  readonly reason: string;
}

/** A job definition the deploy adds that no queue can run. */
export interface UnplaceableAddedJobDefinition {
  readonly jobDefinition: string;
  readonly jobDefinitionLogicalId: string;
  readonly reasons: string[];
}

/** Placement differences between two templates of one stack. */
export interface PlacementDiff {
  /** Pairs (both present before and after) that fitted before and never fit after. */
  readonly lost: PlacementChange[];
  /** Pairs (both present before and after) that never fitted before and fit after. */
  readonly gained: PlacementChange[];
  /** Added job definitions that no queue of the stack can run. */
  readonly unplaceableAdded: UnplaceableAddedJobDefinition[];
}

type Verdicts = Map<string, { name: string; queues: Map<string, { name: string; status: string; reason: string }> }>;

/** Compares where each job definition can run. */
export function placementDiff(before: CfnTemplate, after: CfnTemplate): PlacementDiff {
  const was = verdictsOf(before);
  const now = verdictsOf(after);
  const lost: PlacementChange[] = [];
  const gained: PlacementChange[] = [];
  const unplaceableAdded: UnplaceableAddedJobDefinition[] = [];
  for (const [jdId, jd] of now) {
    const previous = was.get(jdId);
    if (!previous) {
      const queues = [...jd.queues.values()];
      if (queues.length > 0 && queues.every((q) => q.status === 'never-fits')) {
        unplaceableAdded.push({ jobDefinition: jd.name, jobDefinitionLogicalId: jdId, reasons: queues.map((q) => q.reason) });
      }
      continue;
    }
    for (const [queueId, verdict] of jd.queues) {
      const old = previous.queues.get(queueId);
      if (!old) continue;
      const change = { jobDefinition: jd.name, jobDefinitionLogicalId: jdId, queue: verdict.name, queueLogicalId: queueId };
      if (old.status === 'fits' && verdict.status === 'never-fits') lost.push({ ...change, reason: verdict.reason });
      if (old.status === 'never-fits' && verdict.status === 'fits') gained.push({ ...change, reason: '' });
    }
  }
  return { lost, gained, unplaceableAdded };
}

// placementReport keeps the order of the declared job definitions and queues, so ids line up by index.
function verdictsOf(template: CfnTemplate): Verdicts {
  const resources = declaredBatchResources(template);
  const report = placementReport(resources);
  return new Map(resources.jobDefinitions.map((jd, i) => [jd.logicalId, {
    name: jd.name,
    queues: new Map(resources.jobQueues.map((queue, j) => [queue.logicalId, { name: queue.name, ...report[i].queues[j] }])),
  }]));
}

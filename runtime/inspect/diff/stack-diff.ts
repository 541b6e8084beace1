/**
 * The review of one deploy: for each stack pair, the reviewed resources that change and what
 * that means for AWS Batch. This object is also the `--json` document of `batchkit diff`
 * (documented in docs/review.md); `version` changes only when a field changes meaning or goes.
 */
import { CFN_UPDATE_RULES_SOURCE } from '../../model/cfn-update-rules.generated';
import type { CfnTemplate } from '../cloud-assembly';
import { consequencesOf, type Consequence } from './consequences';
import type { StackPair } from './load-sides';
import { placementDiff, type PlacementChange } from './placement-changes';
import { resourceChanges, type ResourceChange } from './resource-changes';

/** The review of one stack. */
export interface StackReview {
  readonly stackName: string;
  /** Where each side came from; undefined when the stack exists on the other side only. */
  readonly before?: string;
  readonly after?: string;
  /** Reviewed resources the deploy changes, in logical id order. */
  readonly resources: ResourceChange[];
  /** Deploy-failing and unplaceable (blocking) first, then warnings, then information. */
  readonly consequences: Consequence[];
  readonly placement: {
    readonly lost: PlacementChange[];
    readonly gained: PlacementChange[];
  };
}

/** The review of a deploy: the `--json` document of `batchkit diff`. */
export interface DiffReport {
  readonly version: 1;
  /** The package and version CloudFormation's replacement rules were taken from. */
  readonly rulesFrom: string;
  readonly stacks: StackReview[];
  /** Blocking consequences over all stacks: the deploy would fail or jobs could no longer start. */
  readonly blocking: number;
  readonly warnings: number;
}

const EMPTY: CfnTemplate = { Resources: {} };

/** Reviews every stack pair. */
export function diffStacks(pairs: StackPair[]): DiffReport {
  const stacks = pairs.map(reviewStack);
  const all = stacks.flatMap((s) => s.consequences);
  return {
    version: 1,
    rulesFrom: `${CFN_UPDATE_RULES_SOURCE.package}@${CFN_UPDATE_RULES_SOURCE.version}`,
    stacks,
    blocking: all.filter((c) => c.severity === 'blocking').length,
    warnings: all.filter((c) => c.severity === 'warning').length,
  };
}

function reviewStack(pair: StackPair): StackReview {
  const before = pair.before?.template ?? EMPTY;
  const after = pair.after?.template ?? EMPTY;
  const resources = resourceChanges(before, after);
  const placement = placementDiff(before, after);
  return {
    stackName: pair.stackName,
    before: pair.before?.source,
    after: pair.after?.source,
    resources,
    consequences: consequencesOf(before, after, resources, placement),
    placement: { lost: placement.lost, gained: placement.gained },
  };
}

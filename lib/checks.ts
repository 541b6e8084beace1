import { IAspect } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { IConstruct } from 'constructs';
import { addChecks, computeCheck, jobDefinitionCheck, queueCheck } from './private/resource-checks';
import { hasChecksAttached, markChecksAttached } from './private/checks-attached';
import { warnOnReplacementTraps } from './private/replacement-warnings';

/**
 * batchkit's synth-time checks for an app written with plain `aws-cdk-lib/aws-batch`
 * constructs: queue rules, multi-node rules, job definition rules, and that every job
 * definition fits at least one queue of the app, and warnings for custom names and update
 * settings that make a later change need replacement. Errors fail synth naming the construct path;
 * values that are tokens are skipped with a warning.
 *
 * @example
 * Aspects.of(app).add(new BatchChecks());
 */
export class BatchChecks implements IAspect {
  /** Attaches the checks that fit `node`: job definitions, queues and compute environments not already checked by batchkit. */
  public visit(node: IConstruct): void {
    if (node instanceof batch.CfnJobDefinition && !hasChecksAttached(node)) {
      markChecksAttached(node);
      addChecks(node, () => jobDefinitionCheck(node, undefined));
    } else if (node instanceof batch.JobQueue) {
      const cfn = node.node.defaultChild as batch.CfnJobQueue;
      if (hasChecksAttached(cfn)) return;
      markChecksAttached(cfn);
      addChecks(node, () => queueCheck(node));
      warnOnReplacementTraps(node);
    } else if (node instanceof batch.CfnJobQueue && !(node.node.scope instanceof batch.JobQueue) && !hasChecksAttached(node)) {
      markChecksAttached(node);
      addChecks(node, () => queueCheck(node));
      warnOnReplacementTraps(node);
    } else if (node instanceof batch.CfnComputeEnvironment && !hasChecksAttached(node)) {
      markChecksAttached(node);
      addChecks(node, () => computeCheck(node));
      warnOnReplacementTraps(node);
    }
  }
}

import { Aspects, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Applies cdk-nag's AwsSolutions pack to the example app, with the written suppressions.
 *
 * batchkit's own constructs carry their suppressions where the finding is a false positive of
 * the construct's design (for instance the monitoring dead-letter queue, AwsSolutions-SQS3), so
 * every user gets the reason; what is listed here is specific to the example's choices.
 */
export function applyExampleNagChecks(app: App): void {
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
}

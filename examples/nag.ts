import type { App } from 'aws-cdk-lib';

/** Applies cdk-nag's AwsSolutions pack to the example app, with the written suppressions (filled by the monitoring work). */
export function applyExampleNagChecks(_app: App): void {
}

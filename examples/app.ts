import { App } from 'aws-cdk-lib';

/** Builds the example app that `cdk.json` runs (filled by the constructs work). */
export function createExampleApp(): App {
  return new App();
}

if (require.main === module) {
  createExampleApp().synth();
}

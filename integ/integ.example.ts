/**
 * The full example app's stack (examples/app.ts): every kind of compute, four queues, container,
 * GPU, Fargate and multi-node job definitions. Deployed, it runs the ETL and the Fargate report
 * jobs and waits for SUCCEEDED.
 */
import { Duration } from 'aws-cdk-lib';
import { ExampleBatchStack } from '../examples/app';
import { createIntegApp, declareIntegTest } from './support/integ-app';

const app = createIntegApp();
const stack = new ExampleBatchStack(app, 'BatchkitIntegExample');
const [etl, , , report] = stack.jobDefinitions;

declareIntegTest(app, 'Example', [stack], [
  { id: 'etl', jobQueue: stack.standardQueue.jobQueueArn, jobDefinition: etl.jobDefinitionArn, timeout: Duration.minutes(30) },
  { id: 'report', jobQueue: stack.backgroundQueue.jobQueueArn, jobDefinition: report.jobDefinitionArn, timeout: Duration.minutes(20) },
]);
app.synth();

/**
 * What every batchkit integ test shares: the app (with the repository's feature flags, so the
 * snapshots match what users synthesize), cdk-nag's AwsSolutions pack on every stack with a
 * written reason per suppression, and the assertion that runs when the test is deployed: submit
 * a job, then describe it until it SUCCEEDED.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Aspects, CfnResource, Duration, IAspect, Stack } from 'aws-cdk-lib';
import { AssertionsProvider, ExpectedResult, IntegTest, WaiterStateMachine } from '@aws-cdk/integ-tests-alpha';
import { AwsSolutionsChecks, NagSuppressions } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { NAG_REASONS } from './nag-reasons';

/** A job the deployed test submits: queue and job definition of the stack under test. */
export interface IntegJob {
  /** Construct id of the assertion (unique within the test). */
  readonly id: string;
  /** Queue ARN or name (a token of the stack under test). */
  readonly jobQueue: string;
  /** Job definition ARN (a token of the stack under test). */
  readonly jobDefinition: string;
  /** How long the job may take from submission to SUCCEEDED, instances starting included. */
  readonly timeout: Duration;
}

/** An app carrying the feature flags of the repository's `cdk.json`, read at synth time of the test (not at run time of the package). */
export function createIntegApp(): App {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  return new App({ context: cdkJson.context });
}

/**
 * Declares the integ test for `stacks`, submits each job and waits for it to succeed (only on
 * a real deploy), then applies cdk-nag to every stack of the app, assertion stack included.
 */
export function declareIntegTest(app: App, id: string, stacks: Stack[], jobs: IntegJob[]): IntegTest {
  const integ = new IntegTest(app, id, {
    testCases: stacks,
    // The assertion provider's bundle changes with every aws-cdk-lib release; the templates are what we review.
    diffAssets: false,
  });
  let provider: AssertionsProvider | undefined;
  const waiters: string[] = [];
  for (const job of jobs) {
    const submitted = integ.assertions.awsApiCall('Batch', 'submitJob', {
      jobName: `integ-${job.id}`,
      jobQueue: job.jobQueue,
      jobDefinition: job.jobDefinition,
    });
    provider = submitted.provider;
    const described = integ.assertions.awsApiCall('Batch', 'describeJobs', { jobs: [submitted.getAttString('jobId')] })
      .assertAtPath('jobs.0.status', ExpectedResult.stringLikeRegexp('^SUCCEEDED$'))
      .waitForAssertions({ totalTimeout: job.timeout, interval: Duration.seconds(30), backoffRate: 1 });
    waiters.push((described.node.findChild('WaitFor') as WaiterStateMachine).stateMachineArn);
  }
  if (provider) scopeAssertionPolicy(provider, jobs, waiters);
  applyNagChecks(app);
  return integ;
}

/**
 * The assertions provider allows every SDK call it makes on `*`. Its role's policy is restated
 * here with each action on what the test touches: SubmitJob on the queues and job definitions
 * under test, StartExecution on the waiters; DescribeJobs has no resource-level permissions.
 * The policy is an override of the role's `Policies` (the provider offers no way to narrow a
 * statement it added), so a statement a newer provider adds shows up as a snapshot change.
 */
function scopeAssertionPolicy(provider: AssertionsProvider, jobs: readonly IntegJob[], waiters: readonly string[]): void {
  const stack = Stack.of(provider);
  const roleRef = stack.resolve(provider.handlerRoleArn) as { 'Fn::GetAtt'?: [string, string] };
  const logicalId = roleRef['Fn::GetAtt']?.[0];
  const role = stack.node.findAll().find((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === 'AWS::IAM::Role'
    && stack.resolve(c.logicalId) === logicalId);
  if (!role) throw new Error(`integ test: the role of assertions provider '${provider.node.path}' was not found in stack '${stack.stackName}' (expected Fn::GetAtt of an AWS::IAM::Role, got ${JSON.stringify(roleRef)})`);
  role.addPropertyOverride('Policies', [{
    PolicyName: 'Inline',
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Action: 'batch:SubmitJob', Effect: 'Allow', Resource: [...new Set(jobs.flatMap((job) => [job.jobQueue, job.jobDefinition]))] },
        { Action: 'batch:DescribeJobs', Effect: 'Allow', Resource: '*' },
        { Action: 'states:StartExecution', Effect: 'Allow', Resource: [...waiters] },
      ],
    },
  }]);
}

/**
 * cdk-nag's AwsSolutions pack on every stack of the app, with the suppressions of
 * `NAG_REASONS` (each with its reason), applied per stack so an unexpected finding in a
 * stack still fails the test.
 */
export function applyNagChecks(app: App): void {
  // findAll, not children: the assertion stack lives under the IntegTest construct.
  for (const stack of app.node.findAll().filter((node): node is Stack => node instanceof Stack)) {
    Aspects.of(stack).add(new AcknowledgeProviderDependsOn());
    NagSuppressions.addStackSuppressions(stack, NAG_REASONS.map(({ id, reason, appliesTo }) => ({ id, reason, appliesTo })), true);
  }
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true, reports: false }));
}

/** Resource types CDK generates for custom resources and assertion waiters. */
const CDK_PROVIDER_TYPES = new Set(['AWS::Lambda::Function', 'AWS::StepFunctions::StateMachine']);

/**
 * CDK's provider functions and the assertions' waiter state machines name their role both in
 * `DependsOn` and by `Fn::GetAtt`; cfn-lint flags the redundancy (W3005) in code neither
 * batchkit nor the test writes.
 */
class AcknowledgeProviderDependsOn implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof CfnResource && CDK_PROVIDER_TYPES.has(node.cfnResourceType)) {
      node.addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
    }
  }
}

/**
 * A CDK stack shaped like what batchkit users deploy, synthesized with aws-cdk-lib into the
 * template the loader reads (tests may import the CDK; runtime/ may not).
 */
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** Synthesizes the stack and returns its template object. */
export function synthesizeBatchStack(): Record<string, unknown> {
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Pipeline', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  const compute = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Compute', {
    vpc,
    maxvCpus: 8,
    instanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.C5, ec2.InstanceSize.XLARGE)],
    useOptimalInstanceClasses: false,
  });
  new batch.JobQueue(stack, 'Queue', { jobQueueName: 'pipeline-queue', priority: 10, computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
  new batch.EcsJobDefinition(stack, 'Greet', {
    container: new batch.EcsEc2ContainerDefinition(stack, 'GreetContainer', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
      cpu: 1,
      memory: Size.mebibytes(256),
      command: ['sh', '-c', 'echo "$GREETING, Ref::who" && test "$GREETING" = hello'],
      environment: { GREETING: 'hello' },
    }),
    parameters: { who: 'world' },
    retryAttempts: 2,
    timeout: Duration.minutes(10),
  });
  return app.synth().getStackByName('Pipeline').template as Record<string, unknown>;
}

import { App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ExampleBatchStack } from '../../../examples/app';
import { batchkitMatchers, expectEveryJobDefinitionPlaceable, UnplaceableJobDefinitionError, type BatchkitMatchers } from '../../../lib/testing';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R> extends BatchkitMatchers<R> {}
  }
}

expect.extend(batchkitMatchers);

/** A queue of c5.large instances (2 vCPUs) and a job definition asking for `vcpus`. */
function stackWithJob(vcpus: number): Stack {
  const stack = new Stack(new App(), 'Small');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  const compute = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Compute', {
    vpc, instanceTypes: [new ec2.InstanceType('c5.large')], useOptimalInstanceClasses: false, maxvCpus: 16,
  });
  new batch.JobQueue(stack, 'Queue', { priority: 1, computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
  new batch.EcsJobDefinition(stack, 'Big', {
    container: new batch.EcsEc2ContainerDefinition(stack, 'BigContainer', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'), cpu: vcpus, memory: Size.gibibytes(1),
    }),
  });
  return stack;
}

describe('placement helpers', () => {
  test('pass for the example app stack', () => {
    const stack = new ExampleBatchStack(new App(), 'BatchkitExample');
    expectEveryJobDefinitionPlaceable(stack);
    expect(stack).toHaveOnlyPlaceableJobDefinitions();
  });

  test('expectEveryJobDefinitionPlaceable fails when a job definition fits no queue', () => {
    // GIVEN
    const stack = stackWithJob(8);

    // THEN
    expect(() => expectEveryJobDefinitionPlaceable(stack)).toThrow(UnplaceableJobDefinitionError);
    expect(() => expectEveryJobDefinitionPlaceable(stack)).toThrow(
      "1 job definition(s) can run on no queue:\n- job definition 'Big' can run on no queue of the stack: job definition 'Big' asks for 8 vCPUs but queue 'Queue' offers at most 2 (c5.large)");
  });

  test('toHaveOnlyPlaceableJobDefinitions fails when a job definition fits no queue, and passes with .not', () => {
    // GIVEN
    const stack = stackWithJob(8);

    // THEN
    expect(() => expect(stack).toHaveOnlyPlaceableJobDefinitions()).toThrow(/job definition 'Big' can run on no queue of the stack/);
    expect(stack).not.toHaveOnlyPlaceableJobDefinitions();
  });

  test('toHaveOnlyPlaceableJobDefinitions passes once the job fits', () => {
    expect(stackWithJob(2)).toHaveOnlyPlaceableJobDefinitions();
  });
});

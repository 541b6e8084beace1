import { Aspects, Size } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as eks from 'aws-cdk-lib/aws-eks';
import { BatchChecks, BatchQueue, Ec2Compute, Ec2ContainerJob } from '../../lib';
import { IMAGE, instanceType, newStack } from './fixtures';

function eksQueue(stack: ReturnType<typeof newStack>['stack'], vpc: ReturnType<typeof newStack>['vpc']): batch.JobQueue {
  const eksCluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'team' });
  const compute = new batch.ManagedEc2EksComputeEnvironment(stack, 'EksCompute', {
    vpc, eksCluster, kubernetesNamespace: 'batch', instanceTypes: [instanceType('m6i.xlarge')], useOptimalInstanceClasses: false,
  });
  return new BatchQueue(stack, 'EksQueue', { computeEnvironments: [compute] });
}

function eksJob(stack: ReturnType<typeof newStack>['stack'], id: string, memory: Size): batch.EksJobDefinition {
  return new batch.EksJobDefinition(stack, id, {
    container: new batch.EksContainerDefinition(stack, `${id}Container`, { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'), cpuLimit: 2, memoryLimit: memory }),
  });
}

describe('EKS checks', () => {
  test('fails when an ECS job definition is bound to a queue of EKS compute', () => {
    // GIVEN
    const { app, stack, vpc } = newStack();
    const queue = eksQueue(stack, vpc);
    // WHEN
    new Ec2ContainerJob(stack, 'Etl', { image: IMAGE, command: ['true'], vcpus: 1, memory: Size.gibibytes(1), queues: [queue] });
    // THEN
    expect(() => app.synth()).toThrow(/job definition 'Etl' is an ECS job definition but queue 'EksQueue' has only EKS compute environments \('EksCompute'\)/);
  });

  test('fails when a queue mixes ECS and EKS compute environments', () => {
    const { app, stack, vpc } = newStack();
    const eksCluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'team' });
    const onEks = new batch.ManagedEc2EksComputeEnvironment(stack, 'OnEks', { vpc, eksCluster, kubernetesNamespace: 'batch' });
    new BatchQueue(stack, 'Mixed', { computeEnvironments: [new Ec2Compute(stack, 'OnEcs', { vpc }), onEks] });
    expect(() => app.synth()).toThrow(/queue 'Mixed' mixes ECS \('OnEcs'\) and EKS \('OnEks'\) compute environments/);
  });

  test('places an EKS job whose pod fits the EKS compute of the app', () => {
    const { app, stack, vpc } = newStack();
    eksQueue(stack, vpc);
    eksJob(stack, 'Fits', Size.gibibytes(8));
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).not.toThrow();
  });

  test('fails when an EKS pod asks for more memory than any instance type of the EKS compute offers', () => {
    const { app, stack, vpc } = newStack();
    eksQueue(stack, vpc);
    new Ec2Compute(stack, 'Big', { vpc, instanceTypes: [instanceType('r6i.8xlarge')] });
    eksJob(stack, 'Huge', Size.gibibytes(64));
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).toThrow(/job definition 'Huge' is bound to no queue and fits none of the app's queues: job definition 'Huge' asks for 65536 MiB of memory but queue 'EksQueue' offers jobs at most/);
  });
});

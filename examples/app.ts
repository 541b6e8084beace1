import { Annotations, App, Aspects, CfnResource, Duration, IAspect, Size, Stack, StackProps } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as fs from 'fs';
import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import {
  BatchJobDefinitionBase, BatchQueue, Ec2Compute, Ec2ContainerJob, FargateCompute, FargateContainerJob, MultiNodeJob, UnmanagedCompute, WorkflowJoinJob,
} from '../lib';
import { addExampleMonitoring } from './monitoring';
import { applyExampleNagChecks } from './nag';

/** examples/image, the jobs' image; the compiled app (dist/examples) has no copy of it, so it is found in the source tree. */
const IMAGE_DIR = fs.existsSync(path.join(__dirname, 'image')) ? path.join(__dirname, 'image') : path.join(__dirname, '..', '..', 'examples', 'image');
/** Every job's image: `cdk deploy` publishes it to the bootstrap ECR repository; the local engine builds it from cdk.out. */
const IMAGE = ecs.ContainerImage.fromAsset(IMAGE_DIR);

/**
 * CDK's own provider functions (the VPC's default security group restriction, AwsCustomResource)
 * name their role both in `DependsOn` and by `Fn::GetAtt`; cfn-lint flags the redundancy (W3005)
 * in code neither batchkit nor the example writes, so it is acknowledged on those functions only.
 */
class AcknowledgeCdkProviderDependsOn implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof CfnResource && node.cfnResourceType === 'AWS::Lambda::Function') {
      node.addMetadata('cfn-lint', { config: { ignore_checks: ['W3005'] } });
    }
  }
}

/**
 * A realistic batchkit setup: on-demand, Spot, GPU, Fargate and unmanaged compute, four queues
 * with different priorities, container jobs (one on GPUs, one on Fargate) and a multi-node
 * training job with two node groups. Environment-agnostic: synthesizes with no credentials.
 */
export class ExampleBatchStack extends Stack {
  /** Jobs that must start first: on-demand and GPU instances (priority 100). */
  public readonly urgentQueue: BatchQueue;
  /** Everyday work on Spot, falling back to on-demand (priority 50). */
  public readonly standardQueue: BatchQueue;
  /** Small jobs on Fargate Spot, then Fargate (priority 10). */
  public readonly backgroundQueue: BatchQueue;
  /** Jobs for the instances attached to the unmanaged compute environment (priority 20). */
  public readonly reservedQueue: BatchQueue;
  /** Every queue, highest priority first. */
  public readonly queues: BatchQueue[];
  /** Every job definition. */
  public readonly jobDefinitions: BatchJobDefinitionBase[];

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    Aspects.of(this).add(new AcknowledgeCdkProviderDependsOn());
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1, flowLogs: { FlowLog: { trafficType: ec2.FlowLogTrafficType.REJECT } } });

    const onDemand = new Ec2Compute(this, 'OnDemand', { vpc, instanceClasses: [ec2.InstanceClass.C6I, ec2.InstanceClass.M6I], maxvCpus: 256 });
    const spot = new Ec2Compute(this, 'Spot', {
      vpc,
      spot: true,
      spotBidPercentage: 80,
      instanceTypes: ['c5.2xlarge', 'm5.2xlarge', 'c6i.2xlarge', 'm6i.2xlarge'].map((t) => new ec2.InstanceType(t)),
      maxvCpus: 512,
    });
    const gpu = new Ec2Compute(this, 'Gpu', { vpc, instanceTypes: [new ec2.InstanceType('g5.xlarge'), new ec2.InstanceType('g5.12xlarge')], maxvCpus: 96 });
    const fargate = new FargateCompute(this, 'Fargate', { vpc, maxvCpus: 64 });
    const fargateSpot = new FargateCompute(this, 'FargateSpot', { vpc, spot: true, maxvCpus: 128 });
    const unmanaged = new UnmanagedCompute(this, 'Unmanaged', { unmanagedvCpus: 16 });
    unmanaged.addInstances('Instances', { vpc, instanceType: new ec2.InstanceType('m6i.2xlarge'), minCapacity: 1, maxCapacity: 2 });

    this.urgentQueue = new BatchQueue(this, 'Urgent', { jobQueueName: 'batchkit-urgent', priority: 100, computeEnvironments: [onDemand, gpu] });
    this.standardQueue = new BatchQueue(this, 'Standard', {
      jobQueueName: 'batchkit-standard', priority: 50, computeEnvironments: [spot, onDemand], cancelStuckJobsAfter: Duration.hours(1),
    });
    this.reservedQueue = new BatchQueue(this, 'Reserved', { jobQueueName: 'batchkit-reserved', priority: 20, computeEnvironments: [unmanaged] });
    this.backgroundQueue = new BatchQueue(this, 'Background', {
      jobQueueName: 'batchkit-background', priority: 10, computeEnvironments: [fargateSpot, fargate], cancelStuckJobsAfter: Duration.minutes(30),
    });
    this.queues = [this.urgentQueue, this.standardQueue, this.reservedQueue, this.backgroundQueue];
    for (const queue of this.queues) {
      // The README's commands name these queues; a tag change on them would need a new name too.
      Annotations.of(queue).acknowledgeWarning('batchkit:customNamedJobQueue', 'the README and the local engine examples name these queues');
    }

    const etl = new Ec2ContainerJob(this, 'Etl', {
      jobDefinitionName: 'batchkit-etl',
      image: IMAGE,
      command: ['sh', '-c', 'echo extracting Ref::input'],
      parameters: { input: 's3://example-bucket/input/' },
      vcpus: 4,
      memory: Size.gibibytes(8),
      environment: { STAGE: 'example' },
      retryAttempts: 3,
      retryStrategies: [
        batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
        batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onExitCode: '1*' })),
      ],
      timeout: Duration.hours(2),
      queues: [this.standardQueue],
    });
    const render = new Ec2ContainerJob(this, 'Render', {
      jobDefinitionName: 'batchkit-render',
      image: IMAGE,
      command: ['nvidia-smi'],
      vcpus: 4,
      memory: Size.gibibytes(15),
      gpus: 1,
      timeout: Duration.hours(1),
      queues: [this.urgentQueue],
    });
    const scratch = new Ec2ContainerJob(this, 'Scratch', {
      jobDefinitionName: 'batchkit-scratch',
      image: IMAGE,
      command: ['sh', '-c', 'df -h /scratch'],
      vcpus: 2,
      memory: Size.gibibytes(4),
      volumes: [batch.EcsVolume.host({ name: 'scratch', hostPath: '/mnt/scratch', containerPath: '/scratch' })],
      queues: [this.reservedQueue],
    });
    const report = new FargateContainerJob(this, 'Report', {
      jobDefinitionName: 'batchkit-report',
      image: IMAGE,
      command: ['sh', '-c', 'echo report'],
      vcpus: 1,
      memory: Size.gibibytes(2),
      timeout: Duration.minutes(10),
      queues: [this.backgroundQueue],
    });
    const train = new MultiNodeJob(this, 'Train', {
      jobDefinitionName: 'batchkit-train',
      numNodes: 4,
      mainNode: 0,
      timeout: Duration.hours(6),
      queues: [this.urgentQueue],
      nodeGroups: [
        { startNode: 0, endNode: 0, instanceType: new ec2.InstanceType('m6i.4xlarge'), image: IMAGE, command: ['sh', '-c', 'echo coordinator'], vcpus: 8, memory: Size.gibibytes(30) },
        // Open at the end (`1:`): a workflow step can run the job on fewer or more nodes.
        { startNode: 1, instanceType: new ec2.InstanceType('c6i.8xlarge'), image: IMAGE, command: ['sh', '-c', 'echo worker'], vcpus: 32, memory: Size.gibibytes(60) },
      ],
    });
    // Lets workflows give a step more than Batch's 20 dependencies without registering anything at run time.
    const join = new WorkflowJoinJob(this, 'Join', { queues: [this.standardQueue] });
    this.jobDefinitions = [etl, render, scratch, report, train, join];

    // Who may submit: a role the account's operators assume; it may only submit tagged jobs.
    const submitter = new iam.Role(this, 'Submitter', { assumedBy: new iam.AccountRootPrincipal(), description: 'Submits and watches batchkit example jobs' });
    etl.grantSubmitJob(submitter, this.standardQueue, { requiredTags: { team: 'data' } });
    report.grantSubmitJob(submitter, this.backgroundQueue);
    etl.grantCancelJobs(submitter, { requiredTags: { team: 'data' } });
    etl.grantDescribeJobs(submitter);
  }
}

/** Builds the example app that `cdk.json` runs: the example stack, its monitoring and the cdk-nag checks. */
export function createExampleApp(): App {
  const app = new App();
  const stack = new ExampleBatchStack(app, 'BatchkitExample');
  addExampleMonitoring(stack, stack.queues);
  applyExampleNagChecks(app);
  return app;
}

if (require.main === module) {
  createExampleApp().synth();
}

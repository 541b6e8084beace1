/**
 * Small batchkit apps for the `batchkit diff` tests, synthesized for real: one stack with a
 * VPC, one managed EC2 compute environment, one queue and one container job, each setting
 * changeable through options so a test synthesizes the app before and after a change.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Size, Stack, Tags } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BatchQueue, Ec2Compute, Ec2ContainerJob } from '../../../../lib';
import type { CfnTemplate } from '../../../../runtime/inspect/cloud-assembly';

/** What the app is made of. */
export interface DiffAppOptions {
  readonly computeEnvironmentName?: string;
  readonly computeTags?: Record<string, string>;
  readonly instanceTypes?: string[];
  readonly maxvCpus?: number;
  readonly allocationStrategy?: batch.AllocationStrategy;
  readonly jobVcpus?: number;
  readonly command?: string[];
  /** Directory of an image asset; a registry image when undefined. */
  readonly imageDirectory?: string;
  /** Leave the queue out. */
  readonly noQueue?: boolean;
  /**
   * Add a second queue 'big' on m5.4xlarge instances, where the job always fits: batchkit's
   * synth checks fail an app whose job fits none of its queues, not one whose job fits another.
   */
  readonly bigQueue?: boolean;
}

/** The stack name every diff app uses. */
export const STACK_NAME = 'DiffApp';

/** Builds the app into `outdir` (a cloud assembly, as `cdk synth` writes it). */
export function synthDiffApp(outdir: string, options: DiffAppOptions = {}): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, STACK_NAME);
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, restrictDefaultSecurityGroup: false });
  const compute = new Ec2Compute(stack, 'Compute', {
    vpc,
    computeEnvironmentName: options.computeEnvironmentName,
    instanceTypes: (options.instanceTypes ?? ['c5.4xlarge']).map((t) => new ec2.InstanceType(t)),
    maxvCpus: options.maxvCpus ?? 256,
    allocationStrategy: options.allocationStrategy,
  });
  for (const [key, value] of Object.entries(options.computeTags ?? {})) Tags.of(compute).add(key, value);
  if (!options.noQueue) new BatchQueue(stack, 'Queue', { jobQueueName: 'work', computeEnvironments: [compute] });
  if (options.bigQueue) {
    const big = new Ec2Compute(stack, 'Big', { vpc, instanceTypes: [new ec2.InstanceType('m5.4xlarge')] });
    new BatchQueue(stack, 'BigQueue', { jobQueueName: 'big', computeEnvironments: [big] });
  }
  new Ec2ContainerJob(stack, 'Crunch', {
    jobDefinitionName: 'crunch',
    image: options.imageDirectory
      ? ecs.ContainerImage.fromAsset(options.imageDirectory)
      : ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
    command: options.command ?? ['echo', 'crunch'],
    vcpus: options.jobVcpus ?? 16,
    memory: Size.gibibytes(8),
  });
  app.synth();
}

/** Synthesizes the app into a fresh temporary directory and returns it with the stack's template. */
export function synthToTemp(options: DiffAppOptions = {}): { dir: string; template: CfnTemplate } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-diff-'));
  synthDiffApp(dir, options);
  return { dir, template: JSON.parse(fs.readFileSync(path.join(dir, `${STACK_NAME}.template.json`), 'utf8')) as CfnTemplate };
}

/** A directory with a Dockerfile whose content differs by `marker`, so its asset hash does. */
export function imageDirectory(marker: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-diff-image-'));
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM public.ecr.aws/amazonlinux/amazonlinux:2023\nRUN echo ${marker}\n`);
  return dir;
}

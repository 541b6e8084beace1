import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Annotations, Match } from 'aws-cdk-lib/assertions';

/** A public image: no asset, no Docker needed to synthesize. */
export const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023');

/** A fresh app and environment-agnostic stack with a VPC, as every construct test needs. */
export function newStack(): { app: App; stack: Stack; vpc: ec2.Vpc } {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0, restrictDefaultSecurityGroup: false });
  return { app, stack, vpc };
}

/** Shorthand for `new ec2.InstanceType(name)`. */
export function instanceType(name: string): ec2.InstanceType {
  return new ec2.InstanceType(name);
}

/** Warning messages of a synthesized stack that mention `fragment`. */
export function warningsAbout(stack: Stack, fragment: string): string[] {
  return Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data)).filter((m) => m.includes(fragment));
}

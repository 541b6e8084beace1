import { CfnParameter, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { IConstruct } from 'constructs';
import { imageArchitectureFromParameter, imageArchitectureProblem } from '../../runtime/model/ami-rules';
import type { Orchestration } from '../../runtime/model/eks-rules';
import { clusterPlacementProblems } from '../../runtime/model/placement-group-rules';
import { ComputeDescription, computeArchitectures } from '../../runtime/model/placement';
import { displayName } from './describe';

/*
 * Checks of a managed EC2 compute environment's rendered resource that bear on whether it ever
 * gets instances: its cluster placement group, the architecture of its images, and the metadata
 * options of its launch template. Read from the L1 so plain L2 compute environments get them too.
 */

interface ComputeResourcesProps {
  readonly placementGroup?: unknown;
  readonly imageId?: unknown;
  readonly ec2Configuration?: Array<{ imageIdOverride?: unknown }>;
  readonly launchTemplate?: { launchTemplateId?: unknown };
}

/** Whether a compute environment runs ECS or EKS jobs. */
export function orchestrationOf(cfn: batch.CfnComputeEnvironment): Orchestration {
  return cfn.eksConfiguration === undefined ? 'ECS' : 'EKS';
}

// The logical id an intrinsic refers to (`Ref` or `Fn::GetAtt`), when it is one.
function referencedLogicalId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown[] };
  if (typeof ref.Ref === 'string') return ref.Ref;
  return Array.isArray(ref['Fn::GetAtt']) && typeof ref['Fn::GetAtt'][0] === 'string' ? ref['Fn::GetAtt'][0] : undefined;
}

function findInStack<T extends IConstruct>(scope: IConstruct, logicalId: string | undefined, kind: new (...args: never[]) => T): T | undefined {
  if (!logicalId) return undefined;
  const stack = Stack.of(scope);
  return stack.node.findAll().find((c): c is T => c instanceof kind && stack.resolve((c as unknown as { logicalId: string }).logicalId) === logicalId);
}

function placementGroupFindings(cfn: batch.CfnComputeEnvironment, value: unknown, compute: ComputeDescription, errors: string[], unresolved: string[]): void {
  if (value === undefined) return;
  const group = findInStack(cfn, referencedLogicalId(value), ec2.CfnPlacementGroup);
  if (!group) {
    unresolved.push('placementGroup strategy (a placement group not declared in this app)');
    return;
  }
  const strategy = Stack.of(cfn).resolve(group.strategy);
  if (strategy !== 'cluster') return;
  const problems = clusterPlacementProblems(`'${displayName(group)}'`, compute.instanceTypes);
  errors.push(...problems.map((p) => `compute environment '${displayName(cfn)}' ${p}`));
}

// The SSM parameter an image id is read from, when it is one (how `ecs.EcsOptimizedImage` and
// `ec2.MachineImage.fromSsmParameter` render).
function imageParameterName(cfn: batch.CfnComputeEnvironment, value: unknown): string | undefined {
  const parameter = findInStack(cfn, referencedLogicalId(value), CfnParameter);
  const name = parameter ? Stack.of(cfn).resolve(parameter.default) : undefined;
  return typeof name === 'string' && parameter?.type.startsWith('AWS::SSM::Parameter::Value') ? name : undefined;
}

function imageFindings(cfn: batch.CfnComputeEnvironment, resources: ComputeResourcesProps, compute: ComputeDescription, errors: string[]): void {
  const images = [resources.imageId, ...(resources.ec2Configuration ?? []).map((c) => c.imageIdOverride)].filter((i) => i !== undefined);
  const offered = computeArchitectures(compute);
  for (const image of images) {
    const parameter = imageParameterName(cfn, image);
    const architecture = parameter ? imageArchitectureFromParameter(parameter) : undefined;
    const problem = architecture && imageArchitectureProblem(parameter!, architecture, offered);
    if (problem) errors.push(`compute environment '${displayName(cfn)}' ${problem}`);
  }
}

function launchTemplateFindings(cfn: batch.CfnComputeEnvironment, resources: ComputeResourcesProps, warnings: string[]): void {
  const template = findInStack(cfn, referencedLogicalId(resources.launchTemplate?.launchTemplateId), ec2.CfnLaunchTemplate);
  if (!template) return;
  const data = Stack.of(cfn).resolve(template.launchTemplateData) as { metadataOptions?: { httpTokens?: unknown } } | undefined;
  if (data?.metadataOptions?.httpTokens === 'required') return;
  warnings.push(`compute environment '${displayName(cfn)}' uses launch template '${displayName(template)}' that does not require IMDSv2: its instances answer IMDSv1 requests, `
    + 'the usual way stolen instance credentials leave; set requireImdsv2 on the launch template');
}

/** Placement group, image and launch template findings of a managed EC2 compute environment described as `compute`. */
export function managedEc2ResourceFindings(cfn: batch.CfnComputeEnvironment, compute: ComputeDescription): { errors: string[]; warnings: string[]; unresolved: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const unresolved: string[] = [];
  if (compute.kind !== 'EC2' && compute.kind !== 'SPOT') return { errors, warnings, unresolved };
  const resources = (Stack.of(cfn).resolve(cfn.computeResources) ?? {}) as ComputeResourcesProps;
  placementGroupFindings(cfn, resources.placementGroup, compute, errors, unresolved);
  imageFindings(cfn, resources, compute, errors);
  launchTemplateFindings(cfn, resources, warnings);
  return { errors, warnings, unresolved };
}

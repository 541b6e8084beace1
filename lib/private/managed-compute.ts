import { Tags } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { computeArchitectures } from '../../runtime/model/placement';
import type { ManagedEc2ComputeOptions } from '../managed-compute-options';
import { markChecksAttached } from './checks-attached';
import { allowNodeToNode } from './node-to-node';
import { warnOnReplacementTraps } from './replacement-warnings';
import { addChecks, computeCheck, type Findings } from './resource-checks';
import { BatchkitTags } from '../tags';

/*
 * What Ec2Compute (ECS) and EksCompute share: the L2 props both pass the same way, the IMDSv2
 * launch template, and the checks of the props themselves. The checks of the rendered resource
 * (placement group, image architecture, launch template) live with the other resource checks,
 * so plain L2 compute environments get them too.
 */

/** The L2 props every managed EC2 compute environment gets from batchkit's options. */
export function managedEc2L2Props(scope: Construct, id: string, props: ManagedEc2ComputeOptions, hopLimit: number) {
  const listed = (props.instanceTypes?.length ?? 0) + (props.instanceClasses?.length ?? 0) > 0;
  const arm = (props.architecture as string | undefined) === 'arm64';
  return {
    vpc: props.vpc,
    vpcSubnets: props.vpcSubnets,
    // Without groups given, the L2 makes one for this compute environment alone: opening it
    // (`connections`) opens no other compute environment.
    securityGroups: props.securityGroups,
    instanceTypes: props.instanceTypes,
    instanceClasses: props.instanceClasses,
    // false stops the L2 adding `optimal` next to listed types; left undefined with nothing listed
    // because the L2's own validation ignores defaultInstanceClasses and would report no types.
    useOptimalInstanceClasses: props.useOptimalInstanceClasses ?? (listed ? false : undefined),
    defaultInstanceClasses: listed || props.useOptimalInstanceClasses ? undefined : [arm ? batch.DefaultInstanceClass.ARM64 : batch.DefaultInstanceClass.X86_64],
    minvCpus: props.minvCpus,
    maxvCpus: props.maxvCpus,
    spot: props.spot,
    allocationStrategy: props.allocationStrategy ?? (props.spot ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE),
    spotBidPercentage: props.spotBidPercentage,
    launchTemplate: props.launchTemplate ?? imdsv2LaunchTemplate(scope, id, props, hopLimit),
    placementGroup: props.placementGroup,
    computeEnvironmentName: props.computeEnvironmentName,
    enabled: props.enabled,
    serviceRole: props.serviceRole,
    replaceComputeEnvironment: props.replaceComputeEnvironment,
    terminateOnUpdate: props.terminateOnUpdate,
    updateTimeout: props.updateTimeout,
    updateToLatestImageVersion: props.updateToLatestImageVersion,
  };
}

// The launch template of a compute environment that gave none: IMDSv2 only. It is a sibling of
// the compute environment because the L2 takes its launch template before it has a scope.
function imdsv2LaunchTemplate(scope: Construct, id: string, props: ManagedEc2ComputeOptions, hopLimit: number): ec2.ILaunchTemplate | undefined {
  if (props.launchTemplate || props.requireImdsv2 === false) return undefined;
  const template = new ec2.LaunchTemplate(scope, `${id}LaunchTemplate`, { requireImdsv2: true, httpPutResponseHopLimit: hopLimit === 1 ? undefined : hopLimit });
  // The template also tags the instances and volumes Batch launches: they belong to the compute
  // environment, and are named after it rather than after the template.
  Tags.of(template).add(BatchkitTags.COMPONENT, 'compute-environment');
  Tags.of(template).add('Name', `${scope.node.path}/${id}`);
  return template;
}

/** Problems with the options themselves, found when the app is validated (instance types may be added until then). */
export function managedEc2OptionErrors(id: string, props: ManagedEc2ComputeOptions, compute: batch.IManagedEc2EcsComputeEnvironment | batch.ManagedEc2EksComputeEnvironment): string[] {
  const errors: string[] = [];
  if (props.requireImdsv2 !== undefined && props.launchTemplate) {
    errors.push(`compute environment '${id}' sets requireImdsv2 and a launchTemplate but batchkit cannot change a launch template it did not make: set its metadata options (requireImdsv2) on the launch template instead`);
  }
  if (props.allowNodeToNodeTraffic && props.spot) {
    errors.push(`compute environment '${id}' sets allowNodeToNodeTraffic on Spot compute but Batch runs multi-node jobs on on-demand compute only`);
  }
  const architecture: string = props.architecture ?? 'x86_64';
  if (props.useOptimalInstanceClasses && architecture === 'arm64') {
    errors.push(`compute environment '${id}' sets useOptimalInstanceClasses with architecture arm64 but 'optimal' stands for x86_64 instance types: list arm64 types or classes instead`);
  }
  const listed = compute.instanceTypes.length + compute.instanceClasses.length > 0;
  if (props.architecture && listed) {
    const offered = computeArchitectures({ name: id, kind: 'EC2', instanceTypes: compute.instanceTypes.map(String).concat(compute.instanceClasses) });
    if (offered.some((a) => a !== architecture)) errors.push(`compute environment '${id}' has architecture ${architecture} but its instance types offer ${offered.join(' and ')}`);
  }
  return errors;
}

/**
 * What `Ec2Compute` and `EksCompute` do once their L2 exists: open node-to-node traffic (on-demand
 * compute with its own security group, unless the props say otherwise), tag the component, attach
 * the checks to the resource (the common ones, then `moreFindings`) and the replacement warnings.
 * Returns whether node-to-node traffic is allowed.
 */
export function completeManagedEc2Compute(
  compute: batch.ManagedEc2EcsComputeEnvironment | batch.ManagedEc2EksComputeEnvironment, id: string, props: ManagedEc2ComputeOptions,
  moreFindings: (findings: Findings) => Findings = (findings) => findings,
): boolean {
  const allowsNodeToNodeTraffic = props.allowNodeToNodeTraffic ?? (!props.spot && !props.securityGroups);
  if (allowsNodeToNodeTraffic) allowNodeToNode(compute.securityGroups, !props.securityGroups);
  Tags.of(compute).add(BatchkitTags.COMPONENT, 'compute-environment');
  const cfn = compute.node.defaultChild as batch.CfnComputeEnvironment;
  markChecksAttached(cfn);
  addChecks(compute, () => {
    const findings = computeCheck(cfn);
    return moreFindings({ errors: [...findings.errors, ...managedEc2OptionErrors(id, props, compute)], warnings: findings.warnings });
  });
  warnOnReplacementTraps(compute);
  return allowsNodeToNodeTraffic;
}

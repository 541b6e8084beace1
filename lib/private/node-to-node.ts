import * as ec2 from 'aws-cdk-lib/aws-ec2';

const NODE_TO_NODE = 'nodes of a multi-node parallel job reach each other';

/**
 * All traffic between the members of `groups`. A group of the compute environment's own allows
 * all outbound traffic already, so it needs the inbound rule only; groups given by the user get
 * both directions, as their outbound rules are theirs.
 */
export function allowNodeToNode(groups: ec2.ISecurityGroup[], ownGroups: boolean): void {
  if (!ownGroups) {
    new ec2.Connections({ securityGroups: groups }).allowInternally(ec2.Port.allTraffic(), NODE_TO_NODE);
    return;
  }
  for (const group of groups) group.addIngressRule(group, ec2.Port.allTraffic(), NODE_TO_NODE);
}

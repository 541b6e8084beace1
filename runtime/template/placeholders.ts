/**
 * Stand-in values for what a Batch resource references outside AWS Batch (IAM roles, subnets,
 * security groups, launch templates, ...). The local engine records these values but never
 * uses them, so a stable, recognisable placeholder in the right format is all it needs.
 */
import { createHash } from 'node:crypto';

/** Where placeholder ARNs live. */
export interface PlaceholderScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

/** The value of `Ref` (attribute undefined) or `Fn::GetAtt` on a resource the engine does not create. */
export function placeholderValue(resourceType: string, logicalId: string, attribute: string | undefined, scope: PlaceholderScope): string {
  const id = (prefix: string): string => `${prefix}-${createHash('sha256').update(logicalId).digest('hex').slice(0, 17)}`;
  const iamArn = (kind: string): string => `arn:${scope.partition}:iam::${scope.accountId}:${kind}/${logicalId}`;
  const byType: Record<string, (attr: string | undefined) => string | undefined> = {
    'AWS::IAM::Role': (attr) => (attr === undefined ? logicalId : attr === 'Arn' ? iamArn('role') : undefined),
    'AWS::IAM::InstanceProfile': (attr) => (attr === undefined ? logicalId : attr === 'Arn' ? iamArn('instance-profile') : undefined),
    'AWS::EC2::Subnet': (attr) => (attr === undefined || attr === 'SubnetId' ? id('subnet') : undefined),
    'AWS::EC2::SecurityGroup': (attr) => (attr === undefined || attr === 'GroupId' ? id('sg') : undefined),
    'AWS::EC2::VPC': (attr) => (attr === undefined || attr === 'VpcId' ? id('vpc') : undefined),
    'AWS::EC2::LaunchTemplate': (attr) => (attr === undefined || attr === 'LaunchTemplateId' ? id('lt') : /VersionNumber$/.test(attr) ? '1' : undefined),
    'AWS::EFS::FileSystem': (attr) => (attr === undefined || attr === 'FileSystemId' ? id('fs') : undefined),
    'AWS::EFS::AccessPoint': (attr) => (attr === undefined || attr === 'AccessPointId' ? id('fsap') : undefined),
    'AWS::ECR::Repository': (attr) => {
      const name = logicalId.toLowerCase();
      if (attr === undefined) return name;
      if (attr === 'RepositoryUri') return `${scope.accountId}.dkr.ecr.${scope.region}.amazonaws.com/${name}`;
      return attr === 'Arn' ? `arn:${scope.partition}:ecr:${scope.region}:${scope.accountId}:repository/${name}` : undefined;
    },
    'AWS::Logs::LogGroup': (attr) => (attr === undefined ? logicalId : attr === 'Arn' ? `arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:${logicalId}:*` : undefined),
    'AWS::SecretsManager::Secret': (attr) => (attr === undefined || attr === 'Id' ? `arn:${scope.partition}:secretsmanager:${scope.region}:${scope.accountId}:secret:${logicalId}` : undefined),
  };
  const known = byType[resourceType]?.(attribute);
  if (known !== undefined) return known;
  if (attribute === undefined) return logicalId;
  if (/arn$/i.test(attribute)) {
    const service = resourceType.split('::')[1]?.toLowerCase() ?? 'unknown';
    return `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${logicalId}`;
  }
  return `${logicalId}.${attribute}`;
}

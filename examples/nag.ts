import { Aspects, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagSuppressions, type NagPackSuppression } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The AwsSolutions findings the example accepts on one construct (and its children), each with its reason. */
export interface ExampleNagSuppression {
  /** The construct's path in the app, as cdk-nag reports it (`/Stack/Construct/...`). */
  readonly path: string;
  /** The findings accepted there. */
  readonly suppressions: NagPackSuppression[];
  /**
   * Why the findings may not arise at all with some versions of the libraries, so that an
   * unused suppression is not a stale one.
   * @default - the findings always arise: a suppression nothing triggers is stale
   */
  readonly mayGoUntriggered?: string;
}

const NO_RESOURCE_LEVEL_PERMISSIONS = 'these AWS Batch actions (Describe*, List*) support no resource-level permissions: IAM only accepts "*" for them';

/**
 * Every suppression of the example app, with the reason it is accepted rather than fixed.
 *
 * batchkit's own constructs carry their suppressions where a finding is a false positive of the
 * construct's design (the monitoring dead-letter queue, AwsSolutions-SQS3), so every user gets
 * the reason; what is listed here is specific to the example app or to aws-cdk-lib internals.
 */
export const EXAMPLE_NAG_SUPPRESSIONS: ExampleNagSuppression[] = [
  {
    path: '/BatchkitExample/AWS679f53fac002430cb0da5b7982bd2287',
    mayGoUntriggered: 'an aws-cdk-lib release whose provider function runs on the latest Lambda runtime raises no AwsSolutions-L1; the peer range admits such releases',
    suppressions: [
      { id: 'AwsSolutions-L1', reason: 'the provider function of aws-cdk-lib\'s AwsCustomResource (used to read the unmanaged compute environment\'s ECS cluster ARN, which CloudFormation does not return): aws-cdk-lib pins its runtime, not batchkit' },
    ],
  },
  {
    path: '/BatchkitExample/AWS679f53fac002430cb0da5b7982bd2287',
    suppressions: [
      {
        id: 'AwsSolutions-IAM4',
        reason: 'the provider function of aws-cdk-lib\'s AwsCustomResource writes its own logs through AWSLambdaBasicExecutionRole (logs:CreateLogGroup, CreateLogStream, PutLogEvents only), which aws-cdk-lib attaches',
        appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      },
    ],
  },
  {
    path: '/BatchkitExample/Unmanaged/EcsClusterLookup/CustomResourcePolicy',
    suppressions: [{ id: 'AwsSolutions-IAM5', reason: `batch:DescribeComputeEnvironments: ${NO_RESOURCE_LEVEL_PERMISSIONS}`, appliesTo: ['Resource::*'] }],
  },
  {
    path: '/BatchkitExample/BatchkitExecutionRole',
    suppressions: [{
      id: 'AwsSolutions-IAM5',
      reason: 'jobs write their logs to streams Batch creates per job in /aws/batch/job; the stream names are not known in advance, so the grant covers the streams of that one group, '
        + 'and ECS pulls the jobs\' image (a CDK asset in the bootstrap ECR repository, which the pull itself is scoped to) after ecr:GetAuthorizationToken, which has no resource-level permissions: IAM only accepts "*" for it',
      appliesTo: ['Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*', 'Resource::*'],
    }],
  },
  {
    path: '/BatchkitExample/BatchkitInstanceRole',
    suppressions: [{
      id: 'AwsSolutions-IAM4',
      reason: 'the ECS agent on Batch container instances needs AmazonEC2ContainerServiceforEC2Role (register the instance, pull images, send logs); AWS keeps it in step with the agent, a copy would drift',
      appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'],
    }],
  },
  {
    path: '/BatchkitExample/Unmanaged/Instances/ASG',
    suppressions: [
      {
        id: 'AwsSolutions-AS3',
        reason: 'the example\'s fleet for its unmanaged compute environment is 1 to 2 instances that an operator sizes by hand; where its scaling notifications should go is a deployment choice the example does not make, and every launch and termination stays in the group\'s activity history',
      },
      {
        id: 'AwsSolutions-EC26',
        reason: 'a false positive: cdk-nag judges an Auto Scaling group by the first launch template of the stack without a launch template name, here the IMDSv2 template of an EC2 compute environment, which sets no volumes; the group\'s own template (Unmanaged/InstancesLaunchTemplate) encrypts its root volume',
      },
    ],
  },
  {
    path: '/BatchkitExample/Submitter/DefaultPolicy',
    suppressions: [{
      id: 'AwsSolutions-IAM5',
      reason: `the submitter may submit every revision of its job definitions (revision numbers are assigned at registration: job-definition/<name>:*), tag and cancel the jobs it submits only when they carry its team tag (job ids are assigned at submission: job/* with an aws:RequestTag/aws:ResourceTag condition), and read job state (${NO_RESOURCE_LEVEL_PERMISSIONS})`,
      appliesTo: [
        'Resource::*',
        'Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*',
        { regex: '/^Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition\\/batchkit-[a-z]+:\\*$/g' },
      ],
    }],
  },
];

/**
 * Applies cdk-nag's AwsSolutions pack to the example app, with the written suppressions above.
 * Suppressed findings are logged as info (`logIgnores`), so a synth shows what was accepted and
 * the nag test can tell a suppression nothing triggers any more. A suppression whose construct
 * is gone is skipped here (the example still synthesizes) and reported by that test too.
 */
export function applyExampleNagChecks(app: App): void {
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true, logIgnores: true }));
  for (const { path, suppressions } of EXAMPLE_NAG_SUPPRESSIONS) {
    const target = findByPath(app, path);
    if (target) NagSuppressions.addResourceSuppressions(target, suppressions, true);
  }
}

/** The construct at `path` (as cdk-nag prints it, with a leading slash), if the app has one. */
export function findByPath(app: App, path: string): IConstruct | undefined {
  return app.node.findAll().find((construct) => `/${construct.node.path}` === path);
}

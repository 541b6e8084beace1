/**
 * The cdk-nag AwsSolutions findings the integ stacks carry on purpose, each with the reason a
 * security reviewer would ask for. Granular rules (IAM4, IAM5) name exactly what they allow, so
 * a new managed policy or wildcard still fails the synth.
 */
export const NAG_REASONS: ReadonlyArray<{ id: string; reason: string; appliesTo?: Array<string | { regex: string }> }> = [
  {
    id: 'AwsSolutions-IAM4',
    reason: 'AWS documents these managed policies as the ones to use: AmazonEC2ContainerServiceforEC2Role for Batch container instances, '
      + 'AWSBatchServiceRole for the service role aws-cdk-lib gives unmanaged compute, AWSLambdaBasicExecutionRole for the log writes of CDK\'s own custom resource function',
    appliesTo: [
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role',
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBatchServiceRole',
      'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    ],
  },
  {
    id: 'AwsSolutions-IAM5',
    reason: 'wildcards only where IAM offers nothing narrower: Resource::* is left on actions with no resource-level permissions '
      + '(batch:DescribeComputeEnvironments for the ECS cluster lookup, batch:DescribeJobs/ListJobs/DescribeJobQueues/DescribeJobDefinitions for describe grants and the assertions, '
      + 'ecr:GetAuthorizationToken for image pulls, ssmmessages for ECS Exec); batch:SubmitJob is scoped to the queues and job definitions under test; '
      + 'log stream names under /aws/batch/job are chosen by Batch per attempt; job ids and job definition revisions do not exist before submission, '
      + 'so grants on them are scoped by job definition name and required tags instead',
    appliesTo: [
      'Resource::*',
      'Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*',
      'Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job/*',
      { regex: '/^Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition\\/batchkit-[a-z-]+:\\*$/' },
    ],
  },
  {
    id: 'AwsSolutions-L1',
    reason: 'the only functions are the providers of CDK\'s AwsCustomResource, whose runtime aws-cdk-lib pins; batchkit ships no Lambda code',
  },
  {
    id: 'AwsSolutions-VPC7',
    reason: 'the test VPC carries only image pulls and Batch agent traffic for jobs that run a few seconds; flow logs are an account-level decision left to the deployer',
  },
  {
    id: 'AwsSolutions-AS3',
    reason: 'the attached instances of the unmanaged compute environment are watched through Batch and ECS (container instance state); scaling notifications would need an SNS topic nobody reads in a test',
  },
  {
    id: 'AwsSolutions-EC26',
    reason: 'the attached instances store nothing but the ECS-optimized AMI and the test job\'s stdout, which goes to CloudWatch Logs; a user storing data on them brings their own encrypted launch configuration',
  },
];

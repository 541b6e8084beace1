import { createExampleApp } from '../../examples/app';
import { arnProblem, templateArns } from './arn-syntax';

describe('ARNs of the example app', () => {
  test('every ARN the templates spell out is a valid ARN of its service', () => {
    // GIVEN
    const assembly = createExampleApp().synth();
    // WHEN
    const arns = assembly.stacks.flatMap((stack) => templateArns(stack.template).map((found) => ({ ...found, stack: stack.stackName })));
    // THEN
    expect(arns.length).toBeGreaterThan(0);
    expect(arns.map(({ arn }) => arn)).toContain('arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*');
    const problems = arns.flatMap(({ stack, path, arn }) => {
      const problem = arnProblem(arn);
      return problem ? [`${stack} ${path}: ${problem}`] : [];
    });
    expect(problems).toEqual([]);
  });
});

describe('arnProblem', () => {
  test.each([
    'arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*',
    'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/batch/job:log-stream:etl/default/abc',
    'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role',
    'arn:aws:iam::123456789012:root',
    'arn:aws-cn:batch:cn-north-1:123456789012:job-definition/etl:*',
    'arn:aws:sns:us-east-1:123456789012:<Topic.TopicName>',
    'arn:aws:kms:us-east-1:123456789012:key/<Key>',
    'arn:aws:cloudwatch:us-east-1:123456789012:alarm:*',
  ])('accepts %s', (arn) => {
    expect(arnProblem(arn)).toBeUndefined();
  });

  test.each([
    ['arn:aws:logs:us-east-1:123456789012:log-group//aws/batch/job:*', /has resource 'log-group\/\/aws\/batch\/job:\*'/],
    ['arn:aws:iam:us-east-1:123456789012:role/x', /has region 'us-east-1' but iam ARNs have none/],
    ['arn:aws:batch:us-east-1::job-queue/q', /has account '' but batch ARNs expect a 12-digit account id/],
    ['arn:aws:batch:us-east-1:123456789012:queue/q', /has resource 'queue\/q'/],
    ['arn:aws:sns:us-east-1:123456789012:a/b', /has resource 'a\/b'/],
    ['arn:aws:frobnicate:us-east-1:123456789012:thing', /service 'frobnicate', which has no ARN rule here/],
    ['arn:aws:logs:us-east-1', /has 4 colon-separated fields/],
  ])('fails when the ARN is %s', (arn, expected) => {
    expect(arnProblem(arn)).toMatch(expected);
  });
});

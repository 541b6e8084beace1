import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BatchMonitoring } from '../../lib/monitoring';
import { sampleQueueArn } from './events-fixtures';
import { deployedResources, newJobQueue, newSampleStack, resourcesOfType, type TemplateJson } from './monitoring-fixtures';

describe('BatchMonitoring resources', () => {
  test('the topic is encrypted with a rotating key and refuses publishing without TLS', () => {
    // GIVEN
    const stack = newSampleStack();

    // WHEN
    const monitoring = new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')] });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('MonitoringKey'), 'Arn'] }) });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      })]) },
    });
    expect(monitoring.topic).toBeInstanceOf(sns.Topic);
  });

  test('only the construct\'s own rules and this account\'s alarms may publish to the topic', () => {
    // GIVEN
    const stack = newSampleStack();

    // WHEN
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')], monitorWorkflows: false });

    // THEN
    const [policy] = resourcesOfType(deployedResources(stack), 'AWS::SNS::TopicPolicy');
    const allows = (policy.Properties.PolicyDocument as { Statement: TemplateJson[] }).Statement.filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => s.Principal.Service).sort()).toEqual(['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'events.amazonaws.com']);
    for (const statement of allows) expect(statement.Condition).toBeDefined();
    const ruleArns = allows.filter((s) => s.Principal.Service === 'events.amazonaws.com').map((s) => s.Condition.ArnEquals['aws:SourceArn']);
    expect(ruleArns.sort()).toEqual([expect.stringMatching(/FailedJobsRule.*\.Arn>$/), expect.stringMatching(/QueueBlockedRule.*\.Arn>$/)]);
    const alarms = allows.find((s) => s.Principal.Service === 'cloudwatch.amazonaws.com')!;
    expect(alarms.Condition).toEqual({
      ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*' },
      StringEquals: { 'aws:SourceAccount': '111122223333' },
    });
  });

  test('the archive keeps events as long as asked and only the archive rules may write to it', () => {
    // GIVEN
    const stack = newSampleStack();

    // WHEN
    new BatchMonitoring(stack, 'Monitoring', {
      jobQueues: [newJobQueue(stack, 'Cpu')],
      archiveRetention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // THEN
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 90 }, DeletionPolicy: 'Delete' });
    const [policy] = resourcesOfType(deployedResources(stack), 'AWS::Logs::ResourcePolicy');
    const statements = JSON.parse(policy.Properties.PolicyDocument as string).Statement as TemplateJson[];
    const write = ['logs:CreateLogStream', 'logs:PutLogEvents'];
    expect(statements.map((s) => [s.Action, s.Principal.Service, s.Condition.ArnEquals['aws:SourceArn'].replace(/[0-9A-F]{8}\.Arn>$/, ''), s.Condition.StringEquals])).toEqual([
      [write, 'events.amazonaws.com', '<Fn::GetAtt MonitoringArchiveRule', { 'aws:SourceAccount': '111122223333' }],
      [write, 'events.amazonaws.com', '<Fn::GetAtt MonitoringArchiveWorkflowsRule', { 'aws:SourceAccount': '111122223333' }],
    ]);
  });

  test('the key lets only this account\'s alarms encrypt through it as CloudWatch, and EventBridge as the topic and queue policies admit it', () => {
    // GIVEN
    const stack = newSampleStack();

    // WHEN
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')] });

    // THEN
    const [key] = resourcesOfType(deployedResources(stack), 'AWS::KMS::Key');
    const services = (key.Properties.KeyPolicy as { Statement: TemplateJson[] }).Statement.filter((s) => s.Principal.Service);
    expect(services.map((s) => [s.Sid, s.Principal.Service, s.Action, s.Condition])).toEqual([
      ['CloudWatchAlarmsPublishEncrypted', 'cloudwatch.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*'], {
        ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-west-1:111122223333:alarm:*' },
        StringEquals: { 'aws:SourceAccount': '111122223333' },
      }],
      ['EventBridgePublishEncrypted', 'events.amazonaws.com', ['kms:Decrypt', 'kms:GenerateDataKey*'], undefined],
    ]);
  });

  test('the archive keeps a month of events by default and is retained with the stack', () => {
    const stack = newSampleStack();
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')] });
    Template.fromStack(stack).hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });

  test('every target retries, then dead-letters to an encrypted TLS-only queue writable by its rule only', () => {
    // GIVEN
    const stack = newSampleStack();

    // WHEN
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')], targetRetryAttempts: 3, targetMaxEventAge: Duration.minutes(30) });

    // THEN
    const resources = deployedResources(stack);
    const targets = resourcesOfType(resources, 'AWS::Events::Rule').flatMap((r) => r.Properties.Targets as TemplateJson[]);
    expect(targets).toHaveLength(5);
    for (const target of targets) {
      expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 1800 });
      expect(target.DeadLetterConfig.Arn).toMatch(/^<Fn::GetAtt MonitoringDeadLetterQueue[0-9A-F]{8}\.Arn>$/);
    }
    const [queue] = resourcesOfType(resources, 'AWS::SQS::Queue');
    expect(queue.Properties.KmsMasterKeyId).toMatch(/^<Fn::GetAtt MonitoringKey[0-9A-F]{8}\.Arn>$/);
    const [queuePolicy] = resourcesOfType(resources, 'AWS::SQS::QueuePolicy');
    const statements = (queuePolicy.Properties.PolicyDocument as { Statement: TemplateJson[] }).Statement;
    expect(statements.filter((s) => s.Effect === 'Deny').map((s) => s.Condition)).toEqual([{ Bool: { 'aws:SecureTransport': 'false' } }]);
    const senders = statements.filter((s) => s.Effect === 'Allow');
    expect(senders).toHaveLength(5);
    for (const sender of senders) expect(sender.Condition.ArnEquals['aws:SourceArn']).toMatch(/Rule[0-9A-F]{8}\.Arn>$/);
  });

  test('each queue gets a failed-jobs and a blocked alarm that notify the topic', () => {
    // GIVEN
    const stack = newSampleStack();
    const cpu = newJobQueue(stack, 'Cpu');
    const gpu = newJobQueue(stack, 'Gpu');

    // WHEN
    const monitoring = new BatchMonitoring(stack, 'Monitoring', { jobQueues: [cpu, gpu], failedJobsThreshold: 3, alarmPeriod: Duration.minutes(15) });

    // THEN
    expect(monitoring.alarms).toHaveLength(4);
    const alarms = resourcesOfType(deployedResources(stack), 'AWS::CloudWatch::Alarm').map((a) => a.Properties);
    const ofQueue = (metricName: string) => alarms.filter((a) => a.MetricName === metricName)
      .map((a) => [(a.Dimensions as Array<{ Value: string }>)[0].Value, a.Threshold, a.Period, a.Namespace, a.Statistic]);
    expect(ofQueue('JobsFailed')).toEqual([
      [sampleQueueArn('cpu'), 3, 900, 'batchkit', 'Sum'],
      [sampleQueueArn('gpu'), 3, 900, 'batchkit', 'Sum'],
    ]);
    expect(ofQueue('QueueBlocked')).toEqual([
      [sampleQueueArn('cpu'), 1, 900, 'batchkit', 'Sum'],
      [sampleQueueArn('gpu'), 1, 900, 'batchkit', 'Sum'],
    ]);
    for (const alarm of alarms) {
      expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(alarm.TreatMissingData).toBe('notBreaching');
      expect(alarm.AlarmActions).toEqual([expect.stringMatching(/^<Ref MonitoringTopic/)]);
    }
    expect(alarms.find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible')).toBeDefined();
  });

  test('the dashboard shows each queue\'s succeeded, failed and blocked metrics and its alarms', () => {
    // GIVEN
    const stack = newSampleStack();
    const cpu = newJobQueue(stack, 'Cpu');
    const gpu = newJobQueue(stack, 'Gpu');

    // WHEN
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [cpu, gpu], dashboardName: 'batch' });

    // THEN
    const [dashboard] = resourcesOfType(deployedResources(stack), 'AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties.DashboardName).toBe('batch');
    const widgets = (JSON.parse(dashboard.Properties.DashboardBody as string) as { widgets: Array<{ type: string; properties: TemplateJson }> }).widgets;
    const graphs = widgets.filter((w) => w.type === 'metric' && w.properties.view === 'timeSeries');
    expect(graphs.map((g) => [g.properties.title, g.properties.metrics.map((m: unknown[]) => `${m[1]} ${m[3]}`)])).toEqual([
      ['Jobs of queue cpu', [`JobsSucceeded ${sampleQueueArn('cpu')}`, `JobsFailed ${sampleQueueArn('cpu')}`]],
      ['Blocked events of queue cpu', [`QueueBlocked ${sampleQueueArn('cpu')}`]],
      ['Jobs of queue gpu', [`JobsSucceeded ${sampleQueueArn('gpu')}`, `JobsFailed ${sampleQueueArn('gpu')}`]],
      ['Blocked events of queue gpu', [`QueueBlocked ${sampleQueueArn('gpu')}`]],
    ]);
    const alarmWidgets = widgets.filter((w) => w.type === 'alarm');
    expect(alarmWidgets.map((w) => w.properties.alarms.length)).toEqual([2, 2]);
  });

  test('a queue added later joins the rules, alarms and dashboard; adding it twice changes nothing', () => {
    // GIVEN
    const stack = newSampleStack();
    const cpu = newJobQueue(stack, 'Cpu');
    const monitoring = new BatchMonitoring(stack, 'Monitoring', { jobQueues: [cpu] });

    // WHEN
    const imported = batch.JobQueue.fromJobQueueArn(stack, 'Shared', sampleQueueArn('shared'));
    monitoring.addJobQueue(imported);
    monitoring.addJobQueue(imported);

    // THEN
    const resources = deployedResources(stack);
    const [failedRule] = resourcesOfType(resources, 'AWS::Events::Rule').filter((r) => (r.Properties.Description as string).includes('failed AWS Batch jobs'));
    expect((failedRule.Properties.EventPattern as TemplateJson).detail.jobQueue).toEqual([sampleQueueArn('cpu'), sampleQueueArn('shared')]);
    expect(monitoring.alarms).toHaveLength(4);
  });

  test('a topic passed in is used and gets the publish statements', () => {
    // GIVEN
    const stack = newSampleStack();
    const topic = new sns.Topic(stack, 'Existing');

    // WHEN
    const monitoring = new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')], topic });

    // THEN
    expect(monitoring.topic).toBe(topic);
    Template.fromStack(stack).resourceCountIs('AWS::SNS::Topic', 1);
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
  });

  test('fails when no queue is monitored', () => {
    const stack = newSampleStack();
    new BatchMonitoring(stack, 'Monitoring');
    expect(() => Template.fromStack(stack)).toThrow(/monitors no job queue: pass jobQueues or call addJobQueue\(\)/);
  });

  test('fails when the failed-jobs threshold is not a whole number of 1 or more', () => {
    const stack = newSampleStack();
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')], failedJobsThreshold: 0.5 });
    expect(() => Template.fromStack(stack)).toThrow(/failedJobsThreshold is 0.5, expected a whole number of jobs, 1 or more/);
  });

  test('fails when the retry policy is outside EventBridge\'s limits', () => {
    const stack = newSampleStack();
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')], targetRetryAttempts: 200, targetMaxEventAge: Duration.hours(25) });
    expect(() => Template.fromStack(stack)).toThrow(/targetRetryAttempts is 200, expected an integer from 0 to 185[\s\S]*targetMaxEventAge is 1 day 1 hour, expected from 1 minute to 24 hours/);
  });

  test('fails when workflowNames is empty', () => {
    const stack = newSampleStack();
    expect(() => new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')], workflowNames: [] }))
      .toThrow(/workflowNames is empty, expected at least one name/);
  });
});

describe('BatchMonitoring.jobQueuesIn', () => {
  test('finds every job queue defined under a scope', () => {
    const stack = newSampleStack();
    const cpu = newJobQueue(stack, 'Cpu');
    const gpu = newJobQueue(stack, 'Gpu');
    expect(BatchMonitoring.jobQueuesIn(stack)).toEqual([cpu, gpu]);
  });
});

import * as path from 'path';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { WORKFLOW_EVENT_SOURCE, WORKFLOW_STATE_CHANGE } from '../../../runtime/model/events';
import { defineWorkflow, EventBridgePublisher, startRun, WorkflowStateChangeDetail } from '../../../runtime/workflow';
import { RunningMoto, startMoto } from '../server/moto';
import { LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
let moto: RunningMoto;
beforeAll(async () => {
  [local, moto] = await Promise.all([startLocalBatch(), startMoto()]);
});
afterAll(async () => {
  await Promise.all([local?.close(), moto?.stop()]);
});

/**
 * SQS through its query protocol: the rule's target, read back by the test (no SQS client is
 * a dependency). moto does not check signatures; it reads the service from the credential scope.
 */
async function sqs(params: Record<string, string>): Promise<string> {
  const response = await fetch(moto.url, {
    method: 'POST',
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0' },
    body: new URLSearchParams({ Version: '2012-11-05', ...params }),
  });
  return response.text();
}

async function receiveAll(queueUrl: string): Promise<Array<{ source: string; 'detail-type': string; detail: WorkflowStateChangeDetail }>> {
  const bodies: string[] = [];
  for (let i = 0; i < 10; i++) {
    const xml = await sqs({ Action: 'ReceiveMessage', QueueUrl: queueUrl, MaxNumberOfMessages: '10' });
    const found = [...xml.matchAll(/<Body>([\s\S]*?)<\/Body>/g)].map((m) => m[1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    if (found.length === 0) {
      break;
    }
    bodies.push(...found);
  }
  return bodies.map((b) => JSON.parse(b));
}

describe('workflow state changes on EventBridge', () => {
  test('reach a rule that matches source, detail-type and workflowName', async () => {
    // GIVEN: a bus with a rule sending this workflow's events to a queue
    const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const events = new EventBridgeClient({ endpoint: moto.url, region: 'us-east-1', credentials });
    await events.send(new CreateEventBusCommand({ Name: 'workflows' }));
    const created = await sqs({ Action: 'CreateQueue', QueueName: 'workflow-events' });
    const queueUrl = /<QueueUrl>(.*?)<\/QueueUrl>/.exec(created)![1];
    await events.send(new PutRuleCommand({
      Name: 'notify', EventBusName: 'workflows',
      EventPattern: JSON.stringify({ source: [WORKFLOW_EVENT_SOURCE], 'detail-type': [WORKFLOW_STATE_CHANGE], detail: { workflowName: ['notify'] } }),
    }));
    await events.send(new PutTargetsCommand({ Rule: 'notify', EventBusName: 'workflows', Targets: [{ Id: 'queue', Arn: 'arn:aws:sqs:us-east-1:123456789012:workflow-events' }] }));
    const workflow = defineWorkflow({
      name: 'notify',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: { good: {}, bad: { command: ['sh', '-c', 'exit 2'] } },
    });
    // WHEN
    const run = await startRun(workflow, {
      client: local.client, journalDir: path.join(local.dir, 'journal'), poll: { minIntervalMs: 50 },
      publisher: new EventBridgePublisher({ client: events, eventBusName: 'workflows' }),
    });
    await run.wait();
    run.close();
    events.destroy();
    // THEN: run started, each step's end, run finished
    const received = await receiveAll(queueUrl);
    expect(received.every((e) => e.source === 'batchkit' && e['detail-type'] === 'Batch Workflow State Change')).toBe(true);
    const details = received.map((e) => e.detail).map(({ runId, ...rest }) => { expect(runId).toBe(run.runId); return rest; });
    expect(details).toEqual(expect.arrayContaining([
      { workflowName: 'notify', status: 'RUNNING' },
      { workflowName: 'notify', status: 'SUCCEEDED', step: 'good' },
      { workflowName: 'notify', status: 'FAILED', step: 'bad' },
      { workflowName: 'notify', status: 'FAILED' },
    ]));
    expect(details).toHaveLength(4);
  });
});

describe('EventBridgePublisher', () => {
  test('sends events published together in calls of at most 10, one call at a time', async () => {
    // GIVEN: a client that records each PutEvents batch and refuses one entry
    const batches: number[] = [];
    let inFlight = 0;
    const client = {
      send: async (command: { input: { Entries: unknown[] } }) => {
        inFlight++;
        expect(inFlight).toBe(1);
        batches.push(command.input.Entries.length);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return { FailedEntryCount: 1, Entries: command.input.Entries.map((_, i) => (batches.length === 2 && i === 0 ? { ErrorCode: 'Throttled', ErrorMessage: 'slow down' } : { EventId: 'x' })) };
      },
    };
    const publisher = new EventBridgePublisher({ client: client as never });
    // WHEN: 23 events at once
    const results = await Promise.allSettled(Array.from({ length: 23 }, (_, i) => publisher.publish({ runId: 'r', workflowName: 'w', status: 'SUCCEEDED', step: `s${i}` })));
    // THEN: the first is sent alone (nothing was in flight), then the 22 queued meanwhile
    expect(batches).toEqual([1, 10, 10, 2]);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message)).toEqual(['eventbridge refused the workflow event: Throttled slow down']);
  });
});

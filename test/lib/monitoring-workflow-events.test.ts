import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { BatchMonitoring } from '../../lib/monitoring';
import { WORKFLOW_EVENT_SOURCE, WORKFLOW_STATE_CHANGE, type BatchEventEnvelope } from '../../runtime/model/events';
import { defineWorkflow, startRun, type WorkflowStateChangeDetail } from '../../runtime/workflow';
import { startLocalBatch, type LocalBatch } from '../runtime/workflow/local-batch';
import { matchesEventPattern } from './events-pattern-matcher';
import { deployedResources, resourcesOfType } from './monitoring-fixtures';

/*
 * A failed workflow run, as the batchkit runtime reports it (run and step events) and as the
 * local engine reports its jobs, against the rules BatchMonitoring deploys: the run's failure
 * notifies once, the failed step's job notifies as a failed job, everything is archived.
 */

let local: LocalBatch;
const engineEvents: BatchEventEnvelope[] = [];
const workflowEvents: BatchEventEnvelope[] = [];

beforeAll(async () => {
  local = await startLocalBatch();
  local.engine.subscribe((event) => engineEvents.push(event));
  const workflow = defineWorkflow({
    name: 'nightly',
    defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
    steps: { extract: {}, load: { command: ['sh', '-c', 'exit 2'] } },
  });
  // EventBridge wraps what the runtime puts (source, detail-type, detail) in this envelope.
  const publisher = {
    publish: async (detail: WorkflowStateChangeDetail) => {
      workflowEvents.push({
        'version': '0', 'id': `${workflowEvents.length}`, 'detail-type': WORKFLOW_STATE_CHANGE, 'source': WORKFLOW_EVENT_SOURCE,
        'account': '123456789012', 'time': new Date(0).toISOString(), 'region': 'us-east-1', 'resources': [],
        'detail': { ...detail },
      });
    },
  };
  const run = await startRun(workflow, { client: local.client, journalDir: path.join(local.dir, 'journal'), poll: { minIntervalMs: 50 }, publisher });
  await run.wait();
  run.close();
});

afterAll(async () => {
  await local?.close();
});

test('a failed run notifies once, its failed job notifies as a job, and all of it is archived', () => {
  // GIVEN
  const stack = new Stack(new App(), 'Stack', { env: { account: '123456789012', region: 'us-east-1' } });
  const queueArn = engineEvents.find((e) => e.detail.jobQueue)!.detail.jobQueue as string;

  // WHEN
  new BatchMonitoring(stack, 'Monitoring', { jobQueues: [batch.JobQueue.fromJobQueueArn(stack, 'Queue', queueArn)], workflowNames: ['nightly'] });

  // THEN
  const rules = resourcesOfType(deployedResources(stack), 'AWS::Events::Rule');
  const matched = (words: string, events: BatchEventEnvelope[]) => {
    const rule = rules.find((r) => (r.Properties.Description as string).includes(words))!;
    return events.filter((e) => matchesEventPattern(rule.Properties.EventPattern, e))
      .map((e) => [e.detail.jobName ?? e.detail.step ?? 'run', e.detail.status].join(' '));
  };
  expect(matched('notify failed batchkit workflow runs', workflowEvents)).toEqual(['run FAILED']);
  expect(matched('archive batchkit workflow events', workflowEvents).sort()).toEqual(['extract SUCCEEDED', 'load FAILED', 'run FAILED', 'run RUNNING']);
  expect(matched('notify failed AWS Batch jobs', engineEvents)).toEqual([expect.stringMatching(/load.* FAILED$/)]);
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobDetail } from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { loadTemplate } from '../../../runtime/template/load-template';
import { watchTemplate, type FileWatcher, type TemplateWatch, type TemplateWatchEvent, type WatchTimers } from '../../../runtime/template/template-watch';
import { synthesizeWatchedStack, type WatchedStackVersion } from './watched-stack';

let tempDir: string;
let engine: LocalBatchEngine;
let templateFile: string;
let watch: TemplateWatch | undefined;

beforeAll(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'batchkit-watch-'));
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

beforeEach(async () => {
  engine = await LocalBatchEngine.open({ logDir: join(tempDir, 'logs'), hostCapacity: { vcpus: 2, memoryMiB: 2048 } });
  templateFile = join(mkdtempSync(join(tempDir, 'cdk.out-')), 'Watched.template.json');
});

afterEach(async () => {
  await watch?.close();
  watch = undefined;
  await engine.close();
});

/** A file watcher the test fires by hand, and timers whose callbacks the test runs by hand. */
function manualTriggers(): { watchFile: FileWatcher; timers: WatchTimers; fileChanged(): void; runTimers(): number; pendingTimers(): number } {
  let onChange = (): void => undefined;
  const callbacks = new Map<number, () => void>();
  let nextHandle = 1;
  return {
    watchFile: (_path, callback) => {
      onChange = callback;
      return () => { onChange = () => undefined; };
    },
    timers: {
      setTimeout: (callback) => { callbacks.set(nextHandle, callback); return nextHandle++; },
      clearTimeout: (handle) => { callbacks.delete(handle as number); },
    },
    fileChanged: () => onChange(),
    runTimers: () => {
      const due = [...callbacks.values()];
      callbacks.clear();
      due.forEach((callback) => callback());
      return due.length;
    },
    pendingTimers: () => callbacks.size,
  };
}

function writeVersion(version: WatchedStackVersion): string {
  const text = JSON.stringify(synthesizeWatchedStack(version), null, 1);
  writeFileSync(templateFile, text);
  return text;
}

/** Loads the first version and starts watching it; events land in the returned array. */
async function loadAndWatch(version: WatchedStackVersion): Promise<{ events: TemplateWatchEvent[]; triggers: ReturnType<typeof manualTriggers> }> {
  writeVersion(version);
  const report = await loadTemplate(engine, templateFile);
  expect(report.findings.filter((f) => f.level === 'error')).toEqual([]);
  const events: TemplateWatchEvent[] = [];
  const triggers = manualTriggers();
  watch = await watchTemplate({ api: engine, scope: engine.scope, path: templateFile, loaded: report.resources, report: (e) => events.push(e), watchFile: triggers.watchFile, timers: triggers.timers });
  return { events, triggers };
}

async function fileRewritten(triggers: ReturnType<typeof manualTriggers>): Promise<void> {
  triggers.fileChanged();
  triggers.runTimers();
  await watch!.settled();
}

async function waitForStatus(jobId: string | undefined, statuses: string[]): Promise<JobDetail> {
  for (let i = 0; i < 600; i++) {
    const job = (await engine.describeJobs({ jobs: [jobId!] })).jobs![0];
    if (statuses.includes(job.status!)) return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} did not reach ${statuses.join(' or ')} within 600 polls`);
}

describe('watchTemplate', () => {
  test('applies a new job definition revision while a job of the old revision runs', async () => {
    // GIVEN
    const release = join(tempDir, `release-${Date.now()}`);
    const { events, triggers } = await loadAndWatch({ script: `while [ ! -e ${release} ]; do sleep 0.05; done; echo v1` });
    const { jobId: oldJob } = await engine.submitJob({ jobName: 'old', jobQueue: 'watched-main', jobDefinition: 'watched-work' });
    await waitForStatus(oldJob, ['RUNNING']);

    // WHEN
    writeVersion({ script: 'echo v2' });
    await fileRewritten(triggers);

    // THEN
    expect(events).toEqual([{ kind: 'applied', template: templateFile, warnings: [], changes: [expect.objectContaining({
      type: 'AWS::Batch::JobDefinition', name: 'watched-work', action: 'updated', constructPath: 'Watched/Work/Resource',
      detail: expect.stringMatching(/^revision 2 registered \(containerProperties\.command \["sh","-c","while .* -> \["sh","-c","echo v2"\]\); revision 1 deregistered; jobs already submitted keep their revision$/),
    })] }]);
    const revisions = (await engine.describeJobDefinitions({ jobDefinitionName: 'watched-work' })).jobDefinitions!;
    expect(revisions.map((d) => [d.revision, d.status])).toEqual([[1, 'INACTIVE'], [2, 'ACTIVE']]);
    expect((await waitForStatus(oldJob, ['RUNNING'])).jobDefinition).toMatch(/:job-definition\/watched-work:1$/);
    writeFileSync(release, '');
    expect((await waitForStatus(oldJob, ['SUCCEEDED', 'FAILED'])).status).toBe('SUCCEEDED');
    const { jobId: newJob } = await engine.submitJob({ jobName: 'new', jobQueue: 'watched-main', jobDefinition: 'watched-work' });
    expect((await waitForStatus(newJob, ['SUCCEEDED', 'FAILED'])).jobDefinition).toMatch(/:job-definition\/watched-work:2$/);
  });

  test('updates a queue in place and disables then deletes a removed queue', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'true', extraQueue: true });

    // WHEN
    writeVersion({ script: 'true', priority: 20 });
    await fileRewritten(triggers);

    // THEN
    expect(events).toEqual([{ kind: 'applied', template: templateFile, warnings: [], changes: [
      expect.objectContaining({ type: 'AWS::Batch::JobQueue', name: 'watched-main', action: 'updated', detail: 'priority 10 -> 20' }),
      expect.objectContaining({ type: 'AWS::Batch::JobQueue', name: 'watched-extra', action: 'deleted', detail: 'disabled, then deleted (its unfinished jobs are terminated)' }),
    ] }]);
    const queues = (await engine.describeJobQueues({})).jobQueues!;
    expect(queues.map((q) => [q.jobQueueName, q.priority])).toEqual([['watched-main', 20]]);
  });

  test('keeps a template that does not parse out, and applies the next complete one', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'echo v1' });
    const complete = JSON.stringify(synthesizeWatchedStack({ script: 'echo v2' }));

    // WHEN
    writeFileSync(templateFile, complete.slice(0, complete.length / 2));
    await fileRewritten(triggers);

    // THEN
    expect(events).toEqual([expect.objectContaining({ kind: 'refused', reason: expect.stringMatching(/^template .*Watched\.template\.json is not JSON/) })]);
    expect((await engine.describeJobDefinitions({ jobDefinitionName: 'watched-work' })).jobDefinitions!.map((d) => d.status)).toEqual(['ACTIVE']);

    // WHEN
    writeFileSync(templateFile, complete);
    await fileRewritten(triggers);

    // THEN
    expect(events[1]).toMatchObject({ kind: 'applied', changes: [{ name: 'watched-work', action: 'updated' }] });
  });

  test('reads the file once after a burst of writes', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'echo v1' });
    writeVersion({ script: 'echo v2' });

    // WHEN
    triggers.fileChanged();
    triggers.fileChanged();
    triggers.fileChanged();

    // THEN
    expect(triggers.pendingTimers()).toBe(1);
    triggers.runTimers();
    await watch!.settled();
    expect(events).toHaveLength(1);
  });

  test('reports an unchanged rewrite as no change and leaves the revision alone', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'echo v1', priority: 10 });

    // WHEN: the same app synthesized again, written with other formatting
    writeFileSync(templateFile, JSON.stringify(synthesizeWatchedStack({ script: 'echo v1', priority: 10 })));
    await fileRewritten(triggers);

    // THEN
    expect(events).toEqual([{ kind: 'applied', template: templateFile, changes: [], warnings: [] }]);
    expect((await engine.describeJobDefinitions({ jobDefinitionName: 'watched-work' })).jobDefinitions).toHaveLength(1);
  });

  test('keeps the previous revision ACTIVE when the job definition says SkipDeregisterOnUpdate', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'echo v1', skipDeregisterOnUpdate: true });

    // WHEN
    writeVersion({ script: 'echo v2', skipDeregisterOnUpdate: true });
    await fileRewritten(triggers);

    // THEN
    expect(events[0]).toMatchObject({ kind: 'applied', changes: [{ action: 'updated', detail: expect.stringContaining('; revision 1 stays ACTIVE (SkipDeregisterOnUpdate);') }] });
    expect((await engine.describeJobDefinitions({ jobDefinitionName: 'watched-work' })).jobDefinitions!.map((d) => d.status)).toEqual(['ACTIVE', 'ACTIVE']);
  });

  test('replaces a renamed queue: the new one is created, the old one deleted', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'true' });

    // WHEN
    writeVersion({ script: 'true', mainQueueName: 'watched-renamed' });
    await fileRewritten(triggers);

    // THEN
    expect(events).toEqual([{ kind: 'applied', template: templateFile, warnings: [], changes: [expect.objectContaining({
      name: 'watched-renamed', action: 'replaced', detail: "new name 'watched-renamed' (was 'watched-main'): created anew; the old one is deleted",
    })] }]);
    expect((await engine.describeJobQueues({})).jobQueues!.map((q) => q.jobQueueName)).toEqual(['watched-renamed']);
  });

  test('deletes a removed compute environment after the queue that used it', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'true', extraQueue: true, spareCompute: true });

    // WHEN
    writeVersion({ script: 'true' });
    await fileRewritten(triggers);

    // THEN
    expect(events[0]).toMatchObject({ kind: 'applied', changes: [
      { type: 'AWS::Batch::JobQueue', name: 'watched-extra', action: 'deleted' },
      { type: 'AWS::Batch::ComputeEnvironment', constructPath: 'Watched/Spare/Resource', action: 'deleted', detail: 'disabled, then deleted' },
    ] });
    expect((await engine.describeComputeEnvironments({})).computeEnvironments).toHaveLength(1);
  });

  test('refuses, changing nothing, a change a deploy could only make by replacing a resource under the same name', async () => {
    // GIVEN
    const { events, triggers } = await loadAndWatch({ script: 'true' });

    // WHEN
    writeVersion({ script: 'true', fairShare: true, priority: 30 });
    await fileRewritten(triggers);

    // THEN
    expect(events).toEqual([expect.objectContaining({
      kind: 'refused',
      reason: "job queue 'watched-main' gets a scheduling policy, which needs a new queue; a deploy would have to replace it under the same name and fail: give it a new name (or a new construct id)",
    })]);
    expect((await engine.describeJobQueues({})).jobQueues!.map((q) => q.priority)).toEqual([10]);
    expect((await engine.listSchedulingPolicies({})).schedulingPolicies).toEqual([]);
  });
});

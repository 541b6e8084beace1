import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { AwsSolutionsChecks } from 'cdk-nag';
import { createExampleApp } from '../../examples/app';
import { EXAMPLE_NAG_SUPPRESSIONS, findByPath } from '../../examples/nag';
import { BatchMonitoring } from '../../lib/monitoring';
import { sampleQueueArn } from './events-fixtures';
import { newJobQueue } from './monitoring-fixtures';

/** Every AwsSolutions finding cdk-nag left unsuppressed in `stack`, as `<path> <rule>` lines. */
function unsuppressedFindings(stack: Stack): string[] {
  const annotations = Annotations.fromStack(stack);
  const findings = [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
  ];
  return findings.map((f) => `${f.id} ${/^AwsSolutions-\w+(\[[^\]]*\])?/.exec(String(f.entry.data))?.[0]}`).sort();
}

describe('cdk-nag AwsSolutions', () => {
  test('the example app has no unsuppressed finding', () => {
    // GIVEN / WHEN
    const app = createExampleApp();
    app.synth();

    // THEN: on failure the list names every finding still open, by construct path and rule
    const stacks = app.node.children.filter((c): c is Stack => c instanceof Stack);
    expect(stacks.length).toBeGreaterThan(0);
    expect(stacks.flatMap(unsuppressedFindings)).toEqual([]);
  });

  test('every suppression of the example is still triggered by a finding', () => {
    // GIVEN / WHEN
    const app = createExampleApp();
    app.synth();

    // THEN: cdk-nag logs each suppressed finding as info, under the construct's path or a child's
    const stacks = app.node.children.filter((c): c is Stack => c instanceof Stack);
    const ignored = stacks.flatMap((stack) => Annotations.fromStack(stack).findInfo('*', Match.stringLikeRegexp('was triggered but suppressed')))
      .map((f) => ({ path: f.id, rule: /(AwsSolutions-\w+) was triggered/.exec(String(f.entry.data))?.[1] }));
    const unused = EXAMPLE_NAG_SUPPRESSIONS.filter((s) => !s.mayGoUntriggered).flatMap(({ path, suppressions }) => suppressions
      .filter((s) => !ignored.some((i) => (i.path === path || i.path.startsWith(`${path}/`)) && i.rule === s.id))
      .map((s) => `${path} ${s.id}`));
    expect(unused).toEqual([]);
  });

  test('every suppression of the example names a construct the example has', () => {
    const app = createExampleApp();
    const stale = EXAMPLE_NAG_SUPPRESSIONS.map((s) => s.path).filter((path) => findByPath(app, path) === undefined);
    expect(stale).toEqual([]);
  });

  test('every suppression of the example gives a reason', () => {
    for (const { suppressions } of EXAMPLE_NAG_SUPPRESSIONS) {
      for (const suppression of suppressions) expect(suppression.reason.length).toBeGreaterThan(40);
    }
  });

  test('monitoring on its own has no unsuppressed finding', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Monitored', { env: { account: '111122223333', region: 'eu-west-1' } });
    // (an imported queue: only the monitoring's own resources are judged)
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [batch.JobQueue.fromJobQueueArn(stack, 'Cpu', sampleQueueArn('cpu'))] });

    // WHEN
    Aspects.of(app).add(new AwsSolutionsChecks());
    app.synth();

    // THEN
    expect(unsuppressedFindings(stack)).toEqual([]);
  });
});

describe('cfn-lint', () => {
  test('a monitoring template has no finding', () => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-monitoring-lint-'));
    try {
      const app = new App({ outdir });
      const stack = new Stack(app, 'Monitored', { env: { account: '111122223333', region: 'eu-west-1' } });
      const monitoring = new BatchMonitoring(stack, 'Monitoring', { jobQueues: [newJobQueue(stack, 'Cpu')] });
      monitoring.addJobQueue(newJobQueue(stack, 'Gpu'));

      // WHEN
      const template = path.join(outdir, app.synth().getStackByName('Monitored').templateFile);
      const lint = spawnSync('cfn-lint', ['--', template], { encoding: 'utf8', timeout: 60_000 });

      // THEN
      expect(lint.error).toBeUndefined();
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
      expect(lint.status).toBe(0);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { applyTemplateChange, TemplateChangeRefused, type AppliedResource } from '../../../runtime/template/apply-template-change';
import { loadTemplate } from '../../../runtime/template/load-template';
import { planTemplate } from '../../../runtime/template/template-plan';

/*
 * A consumable resource in a template, changed as a deploy would change it: CloudFormation
 * updates TotalQuantity in place, replaces the resource for a new ResourceType, and deletes it
 * after the job definitions that name it.
 */

const SCOPE = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' };

function licensed(pool: { quantity: number; type?: string } | undefined): { Resources: Record<string, unknown> } {
  const job = {
    Type: 'AWS::Batch::JobDefinition',
    Properties: {
      Type: 'container',
      ContainerProperties: { Image: 'busybox', Command: ['true'], ResourceRequirements: [{ Type: 'VCPU', Value: '1' }, { Type: 'MEMORY', Value: '128' }] },
      ...(pool ? { ConsumableResourceProperties: { ConsumableResourceList: [{ ConsumableResource: { Ref: 'Licenses' }, Quantity: 1 }] } } : {}),
    },
  };
  return {
    Resources: {
      ...(pool ? { Licenses: { Type: 'AWS::Batch::ConsumableResource', Properties: { ConsumableResourceName: 'licenses', TotalQuantity: pool.quantity, ResourceType: pool.type ?? 'REPLENISHABLE' } } } : {}),
      Job: job,
    },
  };
}

let tempDir: string;
let engine: LocalBatchEngine;
let applied: Map<string, AppliedResource>;

beforeEach(async () => {
  tempDir = mkdtempSync(join(tmpdir(), 'batchkit-consumable-change-'));
  engine = await LocalBatchEngine.open({ logDir: join(tempDir, 'logs') });
  const loaded = await loadTemplate(engine, licensed({ quantity: 2 }));
  const plan = await planTemplate(licensed({ quantity: 2 }) as never, SCOPE);
  const arns = new Map(loaded.resources.map((r) => [r.logicalId, r.arn]));
  applied = new Map(plan.resources.map((r): [string, AppliedResource] => [r.logicalId, { ...r, arn: arns.get(r.logicalId)! }]));
});

afterEach(async () => {
  await engine.close();
  rmSync(tempDir, { recursive: true, force: true });
});

test('a new TotalQuantity is applied in place: the same consumable resource, the new quantity', async () => {
  // WHEN
  const outcome = await applyTemplateChange(engine, applied, (await planTemplate(licensed({ quantity: 5 }) as never, SCOPE)).resources);
  // THEN
  expect(outcome.error).toBeUndefined();
  expect(outcome.changes).toEqual([expect.objectContaining({ type: 'AWS::Batch::ConsumableResource', name: 'licenses', action: 'updated' })]);
  const pool = await engine.describeConsumableResource({ consumableResource: 'licenses' });
  expect([pool.consumableResourceArn, pool.totalQuantity]).toEqual([applied.get('Licenses')!.arn, 5]);
});

test('a removed consumable resource is deleted after the job definition revision that stops naming it', async () => {
  // WHEN
  const outcome = await applyTemplateChange(engine, applied, (await planTemplate(licensed(undefined) as never, SCOPE)).resources);
  // THEN
  expect(outcome.error).toBeUndefined();
  expect(outcome.changes.map((c) => [c.type, c.action])).toEqual([['AWS::Batch::JobDefinition', 'updated'], ['AWS::Batch::ConsumableResource', 'deleted']]);
  expect((await engine.listConsumableResources({})).consumableResources).toEqual([]);
});

test('fails, changing nothing, when the resource type changes under the same name', async () => {
  // WHEN
  const next = (await planTemplate(licensed({ quantity: 2, type: 'NON_REPLENISHABLE' }) as never, SCOPE)).resources;
  // THEN
  await expect(applyTemplateChange(engine, applied, next)).rejects.toThrow(TemplateChangeRefused);
  await expect(applyTemplateChange(engine, applied, next)).rejects.toThrow(/consumable resource 'licenses' changes its resource type, which needs a new consumable resource/);
  expect((await engine.describeConsumableResource({ consumableResource: 'licenses' })).resourceType).toBe('REPLENISHABLE');
});

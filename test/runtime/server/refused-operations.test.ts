import * as fs from 'fs';
import * as path from 'path';
import { BatchClient, ClientException, CreateQuotaShareCommand, SubmitServiceJobCommand } from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { BATCH_OPERATIONS } from '../../../runtime/model/batch-wire-model.generated';
import { REFUSED_OPERATIONS } from '../../../runtime/server/refused-operations';
import { matchRoute } from '../../../runtime/server/routes';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

describe('operations the local server refuses', () => {
  test('every operation of the model is either implemented or refused with a reason', () => {
    // GIVEN
    const unimplemented = Object.entries(BATCH_OPERATIONS).filter(([, binding]) => !binding.implemented);
    // THEN
    expect(unimplemented.map(([operation]) => operation).sort()).toEqual(Object.keys(REFUSED_OPERATIONS).sort());
    for (const [operation, binding] of unimplemented) {
      expect(() => matchRoute(binding.method, binding.uri)).toThrow(new RegExp(`^operation ${operation} \\(${binding.method} .*\\) cannot be used with the batchkit local engine: .{40,}`));
    }
  });

  test('docs/local-server.md lists every operation with its status', () => {
    // GIVEN
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'docs', 'local-server.md'), 'utf8');
    // THEN
    for (const [operation, binding] of Object.entries(BATCH_OPERATIONS)) {
      expect(doc).toMatch(new RegExp(`^\\| \`${operation}\` \\| ${binding.implemented ? 'implemented' : 'refused'} \\|`, 'm'));
    }
  });

  describe('through the AWS SDK', () => {
    let engine: LocalBatchEngine;
    let server: RunningBatchServer;
    let batch: BatchClient;
    beforeAll(async () => {
      engine = await LocalBatchEngine.open({ launcher: 'process' });
      server = await startBatchServer({ api: engine });
      batch = new BatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
    });
    afterAll(async () => {
      batch.destroy();
      await server.close();
      await engine.close();
    });

    test.each([
      ['SubmitServiceJob', () => new SubmitServiceJobCommand({ jobName: 'j', jobQueue: 'q', serviceJobType: 'SAGEMAKER_TRAINING', serviceRequestPayload: '{}' })],
      ['CreateQuotaShare', () => new CreateQuotaShareCommand({ quotaShareName: 'share', jobQueue: 'q' } as never)],
    ])('fails with a ClientException that names %s and why', async (operation, command) => {
      // WHEN
      const error = await batch.send(command() as never).then(() => undefined, (e: unknown) => e);
      // THEN
      expect(error).toBeInstanceOf(ClientException);
      expect((error as ClientException).$metadata.httpStatusCode).toBe(400);
      expect((error as Error).message).toContain(`operation ${operation} `);
      expect((error as Error).message).toContain(REFUSED_OPERATIONS[operation]);
    });
  });
});

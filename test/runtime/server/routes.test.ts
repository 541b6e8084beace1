import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { BATCH_OPERATIONS } from '../../../runtime/model/batch-wire-model.generated';
import { implementedOperations, matchRoute } from '../../../runtime/server/routes';

describe('routes generated from the Batch service model', () => {
  test('every implemented operation is routed to a LocalBatchEngine method', () => {
    // WHEN
    const methods = implementedOperations().map((operation) => {
      const binding = BATCH_OPERATIONS[operation];
      return matchRoute(binding.method, binding.uri.replace('{resourceArn}', 'arn')).apiMethod;
    });
    // THEN
    expect(methods).toHaveLength(31);
    for (const method of methods) {
      expect(typeof (LocalBatchEngine.prototype as unknown as Record<string, unknown>)[method]).toBe('function');
    }
  });

  test('decodes a percent-encoded ARN from the tags path', () => {
    // WHEN
    const route = matchRoute('GET', '/v1/tags/arn%3Aaws%3Abatch%3Aus-east-1%3A123456789012%3Ajob-queue%2Fq');
    // THEN
    expect(route).toMatchObject({ operation: 'ListTagsForResource', apiMethod: 'listTagsForResource', uriParams: { resourceArn: 'arn:aws:batch:us-east-1:123456789012:job-queue/q' } });
  });

  test('fails when the ARN in the path is not valid percent-encoding', () => {
    expect(() => matchRoute('GET', '/v1/tags/arn%ZZ')).toThrow("'resourceArn' in the request path is not valid percent-encoding; got \"arn%ZZ\"");
  });
});

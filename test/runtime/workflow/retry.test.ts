import { backoffDelayMs, BatchCallError, callWithRetry, classifyFailure, RateLimiter, RuntimeServices } from '../../../runtime/workflow';

function fakeTime(randoms: number[] = []) {
  const now = 1_000;
  const sleeps: number[] = [];
  const services: RuntimeServices = {
    now: () => now,
    sleep: async (ms) => { sleeps.push(ms); },
    random: () => randoms.shift() ?? 0.5,
  };
  return { services, sleeps };
}

function httpError(status: number, name: string) {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

describe('backoffDelayMs', () => {
  test('doubles the cap each retry with equal jitter, up to the maximum', () => {
    const delays = [1, 2, 3, 4, 5].map((retry) => backoffDelayMs(retry, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 1));
    expect(delays).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelayMs(3, { baseDelayMs: 100 }, () => 0)).toBe(200);
  });
});

describe('classifyFailure', () => {
  test.each([
    [httpError(429, 'TooManyRequestsException'), 'not-applied'],
    [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'not-applied'],
    [httpError(500, 'ServerException'), 'unknown'],
    [httpError(503, 'Unknown'), 'unknown'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'unknown'],
    [httpError(400, 'ClientException'), 'fatal'],
  ])('classifies %p as %p', (err, kind) => {
    expect(classifyFailure(err)).toBe(kind);
  });
});

describe('callWithRetry', () => {
  test('retries throttling and 5xx with the exact backoff sequence, then succeeds', async () => {
    // GIVEN
    const { services, sleeps } = fakeTime([0, 1, 0.5]);
    const failures = [httpError(429, 'TooManyRequestsException'), httpError(500, 'ServerException'), httpError(429, 'TooManyRequestsException')];
    let calls = 0;
    // WHEN
    const result = await callWithRetry(async () => {
      calls++;
      const failure = failures.shift();
      if (failure) {
        throw failure;
      }
      return 'ok';
    }, { operation: 'DescribeJobs', backoff: { baseDelayMs: 100 }, services });
    // THEN
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(sleeps).toEqual([50, 200, 300]);
  });

  test('asks reconcile after an ambiguous failure and returns what it found, without calling again', async () => {
    const { services } = fakeTime();
    let calls = 0;
    const result = await callWithRetry(async () => {
      calls++;
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }, { operation: 'SubmitJob', backoff: {}, services, reconcile: async () => ({ jobId: 'found' }) });
    expect(result).toEqual({ jobId: 'found' });
    expect(calls).toBe(1);
  });

  test('fails when the error is fatal, without retrying', async () => {
    const { services, sleeps } = fakeTime();
    await expect(callWithRetry(async () => { throw httpError(400, 'ClientException'); }, { operation: 'SubmitJob', backoff: {}, services }))
      .rejects.toThrow(/SubmitJob failed after 1 attempt: ClientException/);
    expect(sleeps).toEqual([]);
  });

  test('fails when attempts run out, saying a later retry could help', async () => {
    const { services } = fakeTime();
    const error = await callWithRetry(async () => { throw httpError(429, 'TooManyRequestsException'); }, { operation: 'ListJobs', backoff: { maxAttempts: 3 }, services })
      .catch((e) => e);
    expect(error).toBeInstanceOf(BatchCallError);
    expect(error).toEqual(expect.objectContaining({ name: 'BatchCallError', attempts: 3, retryable: true }));
  });
});

describe('RateLimiter', () => {
  test('spaces concurrent callers 1000/rate ms apart', async () => {
    // GIVEN
    const { services, sleeps } = fakeTime();
    const limiter = new RateLimiter(40, services);
    // WHEN: four callers at the same instant
    await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire(), limiter.acquire()]);
    // THEN: the first goes at once, the others wait for their slots
    expect(sleeps).toEqual([25, 50, 75]);
  });

  test('fails when the rate is not positive', () => {
    expect(() => new RateLimiter(0, fakeTime().services)).toThrow(/submit rate must be a positive number of calls per second, got 0/);
  });
});

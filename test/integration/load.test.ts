/**
 * Load: 20 concurrent clients submitting and describing against `batchkit local serve` for a
 * bounded time (3 s of work, not a speed target: `npm run bench` runs it longer and reports the
 * figures); no request fails and no accepted job goes missing.
 */
import { LoadTarget, runLoad, startLoadTarget } from './load-driver';

let target: LoadTarget;
beforeAll(async () => {
  target = await startLoadTarget();
});
afterAll(async () => {
  await target?.close();
});

describe('20 concurrent clients against the local server', () => {
  test('submit and describe with no error and no accepted job missing', async () => {
    // WHEN
    const figures = await runLoad(target.endpoint, { clients: 20, durationMs: 3_000 });
    // THEN
    expect(figures.errors).toEqual([]);
    expect(figures.missing).toBe(0);
    expect(figures.submits).toBeGreaterThanOrEqual(20);
    expect(figures.describes).toBe(figures.submits);
    process.stdout.write(`load: 20 clients, ${figures.submits} submits + ${figures.describes} describes in ${(figures.durationMs / 1000).toFixed(1)} s `
      + `(${figures.requestsPerSecond.toFixed(0)} requests/s, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms)\n`);
  }, 60_000);
});

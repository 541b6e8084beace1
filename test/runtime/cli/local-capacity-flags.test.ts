import { hostCapacityOf, targetSpecOf } from '../../../runtime/cli/targets';

describe('capacity flags of run --local', () => {
  test('--vcpus, --memory and --gpus set the local capacity', () => {
    // WHEN
    const spec = targetSpecOf({ local: true, vcpus: '3', memory: '2048', gpus: '1' });
    // THEN
    expect(spec).toMatchObject({ localVcpus: 3, localMemoryMiB: 2048, localGpus: 1 });
    expect(hostCapacityOf({ vcpus: spec.localVcpus, memoryMiB: spec.localMemoryMiB, gpus: spec.localGpus })).toEqual({ vcpus: 3, memoryMiB: 2048, gpus: 1 });
  });

  test('--local-vcpus and --local-memory stay as aliases', () => {
    // WHEN
    const spec = targetSpecOf({ local: true, localVcpus: '5', localMemory: '512' });
    // THEN
    expect(spec).toMatchObject({ localVcpus: 5, localMemoryMiB: 512 });
  });

  test('no flag leaves the engine its default capacity', () => {
    // WHEN / THEN
    expect(hostCapacityOf({})).toBeUndefined();
  });

  test('fails when an alias and its new name disagree', () => {
    // WHEN / THEN
    expect(() => targetSpecOf({ local: true, vcpus: '3', localVcpus: '4' })).toThrow(/--vcpus 3 and --local-vcpus 4 name the same setting; give one of them/);
  });

  test('fails when a capacity flag is given without --local', () => {
    // WHEN / THEN
    expect(() => targetSpecOf({ endpoint: 'http://127.0.0.1:8866', gpus: '1' })).toThrow(/apply to the local engine only; add --local/);
  });
});

import { matchesEventPattern } from './events-pattern-matcher';

// The matcher decides what the other tests conclude about generated patterns, so it is checked
// against the behaviour documented in the EventBridge user guide ("Event patterns").
describe('matchesEventPattern', () => {
  const event = {
    'source': 'aws.batch',
    'detail-type': 'Batch Job State Change',
    'resources': ['arn:aws:batch:eu-west-1:111122223333:job/abc'],
    'detail': { status: 'FAILED', jobDefinition: 'arn:aws:batch:eu-west-1:1:job-definition/train:7', attempts: 2, container: { exitCode: 137 } },
  };

  test('exact values in a list match any of them', () => {
    expect(matchesEventPattern({ detail: { status: ['SUCCEEDED', 'FAILED'] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { status: ['SUCCEEDED'] } }, event)).toBe(false);
  });

  test('every field of the pattern must match', () => {
    expect(matchesEventPattern({ 'source': ['aws.batch'], 'detail-type': ['Batch Job State Change'] }, event)).toBe(true);
    expect(matchesEventPattern({ 'source': ['aws.batch'], 'detail-type': ['Batch Job Queue Blocked'] }, event)).toBe(false);
  });

  test('an array in the event matches when any element does', () => {
    expect(matchesEventPattern({ resources: ['arn:aws:batch:eu-west-1:111122223333:job/abc'] }, event)).toBe(true);
    expect(matchesEventPattern({ resources: ['arn:aws:batch:eu-west-1:111122223333:job/other'] }, event)).toBe(false);
  });

  test('prefix and suffix', () => {
    expect(matchesEventPattern({ detail: { jobDefinition: [{ prefix: 'arn:aws:batch:eu-west-1:1:job-definition/train:' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { jobDefinition: [{ prefix: 'arn:aws:batch:eu-west-1:1:job-definition/train-nightly:' }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { jobDefinition: [{ suffix: ':7' }] } }, event)).toBe(true);
  });

  test('anything-but excludes values and prefixes, and needs the field', () => {
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': 'SUCCEEDED' }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': ['FAILED', 'SUCCEEDED'] }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': { prefix: 'FAIL' } }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, event)).toBe(false);
  });

  test('exists true and false, including below a missing parent object', () => {
    expect(matchesEventPattern({ detail: { container: { exitCode: [{ exists: true }] } } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { arrayProperties: { index: [{ exists: false }] } } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { arrayProperties: { index: [{ exists: true }] } } }, event)).toBe(false);
  });

  test('numeric ranges and case-insensitive equality', () => {
    expect(matchesEventPattern({ detail: { attempts: [{ numeric: ['>', 1, '<=', 2] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { attempts: [{ numeric: ['>=', 3] }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { status: [{ 'equals-ignore-case': 'failed' }] } }, event)).toBe(true);
  });

  test('a leaf list never matches an object in the event', () => {
    expect(matchesEventPattern({ detail: { container: ['x'] } }, event)).toBe(false);
  });

  test('fails when the pattern uses an unknown operator or an empty list', () => {
    expect(() => matchesEventPattern({ detail: { status: [{ 'begins-with': 'F' }] } }, event)).toThrow(/unsupported pattern operator 'begins-with'/);
    expect(() => matchesEventPattern({ detail: { status: [] } }, event)).toThrow(/must not be empty/);
    expect(() => matchesEventPattern({ detail: { status: 'FAILED' } }, event)).toThrow(/must be a list or an object/);
  });
});

import { environmentNameProblems, evaluateOnExitProblems, retryAttemptsProblems, timeoutProblems } from '../../../runtime/model/retry-rules';

describe('retry attempts', () => {
  test.each([1, 10])('accepts %p', (n) => expect(retryAttemptsProblems(n)).toEqual([]));
  test.each([0, 11, 2.5])('fails when attempts are %p', (n) => {
    expect(retryAttemptsProblems(n)).toEqual([`asks for ${n} retry attempts but Batch allows 1..10`]);
  });
});

describe('evaluateOnExit rules', () => {
  test('accepts digits with a trailing star, reasons with colons and a retry or exit action in any case', () => {
    expect(evaluateOnExitProblems([
      { onExitCode: '137', action: 'RETRY' },
      { onExitCode: '1*', action: 'exit' },
      { onStatusReason: 'Host EC2*', action: 'Retry' },
      { onReason: 'CannotPullContainerError:*', action: 'EXIT' },
    ])).toEqual([]);
  });

  test('fails when there are more than five rules', () => {
    const rules = Array.from({ length: 6 }, () => ({ onExitCode: '1', action: 'EXIT' }));
    expect(evaluateOnExitProblems(rules)).toEqual(['has 6 evaluateOnExit rules but Batch allows at most 5']);
  });

  test('fails when an exit code pattern holds more than digits and a trailing star', () => {
    expect(evaluateOnExitProblems([{ onExitCode: '1*3', action: 'EXIT' }, { onExitCode: 'abc', action: 'EXIT' }])).toEqual([
      "has evaluateOnExit rule 1 with onExitCode '1*3' but expected digits with an optional trailing '*' (at most 512 characters)",
      "has evaluateOnExit rule 2 with onExitCode 'abc' but expected digits with an optional trailing '*' (at most 512 characters)",
    ]);
  });

  test('fails when the action is neither RETRY nor EXIT, or the rule has no condition', () => {
    expect(evaluateOnExitProblems([{ action: 'RETRY' }, { onExitCode: '2', action: 'IGNORE' }])).toEqual([
      'has evaluateOnExit rule 1 with no condition but Batch expects onExitCode, onStatusReason or onReason',
      "has evaluateOnExit rule 2 with action 'IGNORE' but expected RETRY or EXIT",
    ]);
  });

  test('fails when a reason pattern holds characters Batch refuses', () => {
    expect(evaluateOnExitProblems([{ onReason: 'out of memory!', action: 'EXIT' }])[0]).toMatch(/onReason 'out of memory!' but expected letters, digits/);
  });
});

describe('timeout and environment', () => {
  test('fails when a timeout is shorter than 60 seconds', () => {
    expect(timeoutProblems(60)).toEqual([]);
    expect(timeoutProblems(59)).toEqual(['has a timeout of 59 seconds but Batch expects at least 60']);
  });

  test('fails when an environment variable starts with AWS_BATCH', () => {
    expect(environmentNameProblems(['STAGE', 'AWS_BATCH_JOB_ID', 'MY_AWS_BATCH'])).toEqual([
      "sets environment variable 'AWS_BATCH_JOB_ID', which is reserved: names starting with AWS_BATCH are set by Batch",
    ]);
  });
});

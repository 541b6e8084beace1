import * as fs from 'fs';
import { BatchClientException } from '../../../runtime/model/batch-api';
import { EngineFixture, openEngine } from './engine-fixture';

describe('SubmitJob validation', () => {
  let fixture: EngineFixture;
  beforeAll(async () => {
    fixture = await openEngine();
    await fixture.define('ok', ['true']);
    await fixture.engine.registerJobDefinition({
      jobDefinitionName: 'mnp', type: 'multinode',
      nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:', container: { command: ['true'] } }] },
    });
  });
  afterAll(async () => {
    await fixture.engine.close();
  });

  const cases: [string, object, string][] = [
    ['the job name has a space', { jobName: 'bad name' }, 'jobName "bad name" is not a valid name: expected 1 to 128 characters, starting with a letter or digit, then letters, digits, hyphens or underscores'],
    ['the job name is 129 characters', { jobName: 'a'.repeat(129) }, `jobName "${'a'.repeat(129)}" is not a valid name`],
    ['the queue does not exist', { jobQueue: 'nope' }, 'job queue "nope" does not exist: expected the name or ARN of a job queue'],
    ['the job definition does not exist', { jobDefinition: 'nope' }, 'job definition "nope" does not exist or has no ACTIVE revision'],
    ['the revision does not exist', { jobDefinition: 'ok:7' }, 'job definition "ok:7" does not exist'],
    ['the array size is 1', { arrayProperties: { size: 1 } }, 'arrayProperties.size must be an integer from 2 to 10000: given 1'],
    ['the array size is 10,001', { arrayProperties: { size: 10_001 } }, 'arrayProperties.size must be an integer from 2 to 10000: given 10001'],
    ['the timeout is 59 seconds', { timeout: { attemptDurationSeconds: 59 } }, 'timeout.attemptDurationSeconds must be an integer of at least 60: given 59'],
    ['retry attempts are 11', { retryStrategy: { attempts: 11 } }, 'retryStrategy.attempts must be an integer from 1 to 10: given 11'],
    ['an evaluateOnExit action is unknown', { retryStrategy: { attempts: 2, evaluateOnExit: [{ action: 'MAYBE' }] } }, 'retryStrategy.evaluateOnExit[0].action must be RETRY or EXIT: given "MAYBE"'],
    ['onExitCode has letters', { retryStrategy: { attempts: 2, evaluateOnExit: [{ onExitCode: 'abc', action: 'RETRY' }] } }, 'retryStrategy.evaluateOnExit[0].onExitCode "abc" is not a valid pattern: expected digits with an optional trailing \'*\' (at most 512 characters)'],
    ['there are 6 evaluateOnExit entries', { retryStrategy: { attempts: 2, evaluateOnExit: Array(6).fill({ action: 'RETRY' }) } }, 'retryStrategy.evaluateOnExit has 6 entries, expected at most 5'],
    ['an override sets AWS_BATCH_JOB_ID', { containerOverrides: { environment: [{ name: 'AWS_BATCH_JOB_ID', value: 'x' }] } }, 'containerOverrides.environment[0].name "AWS_BATCH_JOB_ID" is reserved: names starting with AWS_BATCH are set by Batch'],
    ['an environment name hides AWS_BATCH_JOB_ID behind a NUL', { containerOverrides: { environment: [{ name: 'OK', value: '1' }, { name: 'X\u0000AWS_BATCH_JOB_ID', value: 'spoofed' }] } },
      'containerOverrides.environment[1].name "X\\u0000AWS_BATCH_JOB_ID" contains the control character U+0000: expected a name of printable characters'],
    ['an environment name has a newline', { containerOverrides: { environment: [{ name: 'A\nAWS_BATCH_JOB_ID', value: 'x' }] } },
      'containerOverrides.environment[0].name "A\\nAWS_BATCH_JOB_ID" contains the control character U+000A: expected a name of printable characters'],
    ['an environment name has "="', { containerOverrides: { environment: [{ name: 'A=B', value: 'x' }] } },
      'containerOverrides.environment[0].name "A=B" contains "=": expected a name without "=", which separates name from value in a process environment'],
    ['an environment name is empty', { containerOverrides: { environment: [{ name: '', value: 'x' }] } }, 'containerOverrides.environment[0] {"name":"","value":"x"} has no name: expected {name, value} with a non-empty name'],
    ['an environment value has a NUL', { containerOverrides: { environment: [{ name: 'A', value: 'ok\u0000AWS_BATCH_JOB_ID=spoofed' }] } },
      'containerOverrides.environment[0].value "ok\\u0000AWS_BATCH_JOB_ID=spoofed" contains a NUL character (U+0000): expected a string without NUL, since an environment value ends at the first NUL'],
    ['a command argument has a NUL', { containerOverrides: { command: ['echo', 'a\u0000b'] } },
      'containerOverrides.command[1] "a\\u0000b" contains a NUL character (U+0000): expected a string without NUL, since a process argument ends at the first NUL'],
    ['a parameter value has a NUL', { parameters: { input: 'in\u0000put' } },
      'parameters.input "in\\u0000put" contains a NUL character (U+0000): expected a string without NUL, since a process argument through Ref:: ends at the first NUL'],
    ['a parameter value is not a string', { parameters: { count: 3 } }, 'parameters.count must be a string: given 3'],
    ['a node override hides AWS_BATCH_JOB_ID behind a NUL', { jobDefinition: 'mnp', nodeOverrides: { nodePropertyOverrides: [{ targetNodes: '0:', containerOverrides: { environment: [{ name: 'X\u0000AWS_BATCH_JOB_ID', value: 'x' }] } }] } },
      'nodeOverrides.nodePropertyOverrides[0].containerOverrides.environment[0].name "X\\u0000AWS_BATCH_JOB_ID" contains the control character U+0000'],
    ['SEQUENTIAL is used on a single job', { dependsOn: [{ type: 'SEQUENTIAL' }] }, 'dependsOn[0]: a SEQUENTIAL dependency needs an array job: expected arrayProperties.size'],
    ['the dependency type is unknown', { dependsOn: [{ jobId: 'x', type: 'ALL' }] }, 'dependsOn[0].type must be N_TO_N or SEQUENTIAL: given "ALL"'],
    ['nodeOverrides are given for a container job', { nodeOverrides: { numNodes: 2 } }, 'nodeOverrides can only be used with a multinode job definition: "ok" is a container job definition'],
    ['containerOverrides are given for a multi-node job', { jobDefinition: 'mnp', containerOverrides: { command: ['x'] } }, 'containerOverrides cannot be used with multinode job definition "mnp": use nodeOverrides'],
    ['a node range is malformed', { jobDefinition: 'mnp', nodeOverrides: { nodePropertyOverrides: [{ targetNodes: 'a:b' }] } }, 'nodeOverrides.nodePropertyOverrides[0].targetNodes "a:b" is not a node range'],
    ['an array is multi-node', { jobDefinition: 'mnp', arrayProperties: { size: 2 } }, 'arrayProperties cannot be used with multinode job definition "mnp"'],
    ['a share identifier is given without a fair-share policy', { shareIdentifier: 'team' }, 'shareIdentifier "team" cannot be used: job queue "q" has no fair-share scheduling policy'],
    ['51 tags are given', { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, 'tags has 51 tags, expected at most 50'],
  ];

  test.each(cases)('fails when %s', async (_what, overrides, message) => {
    const request = { jobName: 'job', jobQueue: 'q', jobDefinition: 'ok', ...overrides };
    const submitting = fixture.engine.submitJob(request as never);
    await expect(submitting).rejects.toThrow(message);
    await expect(submitting).rejects.toBeInstanceOf(BatchClientException);
  });

  test('fails when an N_TO_N dependency names an array of another size', async () => {
    const array = await fixture.submit('array', 'ok', { arrayProperties: { size: 3 } });
    await expect(fixture.submit('other', 'ok', { arrayProperties: { size: 4 }, dependsOn: [{ jobId: array, type: 'N_TO_N' }] }))
      .rejects.toThrow(`dependsOn[0]: an N_TO_N dependency needs arrays of the same size: "${array}" has 3 children, this job 4`);
  });

  test('fails when the queue is DISABLED', async () => {
    await fixture.engine.createJobQueue({ jobQueueName: 'off', state: 'DISABLED', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
    await expect(fixture.engine.submitJob({ jobName: 'job', jobQueue: 'off', jobDefinition: 'ok' })).rejects.toThrow('job queue "off" is DISABLED: it does not accept new jobs');
  });

  test('fails when the job definition revision is INACTIVE', async () => {
    await fixture.define('retired', ['true']);
    await fixture.engine.deregisterJobDefinition({ jobDefinition: 'retired:1' });
    await expect(fixture.submit('job', 'retired:1')).rejects.toThrow('job definition "retired:1" is INACTIVE: expected an ACTIVE revision');
    await expect(fixture.submit('job', 'retired')).rejects.toThrow('job definition "retired" does not exist or has no ACTIVE revision');
  });

  test('accepts queue and job definition ARNs, and a name without revision means the latest ACTIVE one', async () => {
    await fixture.define('versioned', ['true']);
    await fixture.define('versioned', ['false']);
    const jobId = (await fixture.engine.submitJob({
      jobName: 'by-arn', jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q', jobDefinition: 'versioned',
    })).jobId!;
    expect((await fixture.describe(jobId)).jobDefinition).toBe('arn:aws:batch:us-east-1:123456789012:job-definition/versioned:2');
    const byArn = (await fixture.engine.submitJob({ jobName: 'by-arn', jobQueue: 'q', jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/versioned:1' })).jobId!;
    expect((await fixture.describe(byArn)).container!.command).toEqual(['true']);
  });

  test('a newline or tab in an argument, a value or a parameter is legal and reaches the job as written', async () => {
    // GIVEN
    await fixture.define('argv', ['node', '-e', 'console.log(JSON.stringify([process.argv.slice(1), process.env.MULTI]))', 'Ref::text']);
    // WHEN
    const jobId = await fixture.submit('argv', 'argv', {
      parameters: { text: 'tab\there' },
      containerOverrides: {
        command: ['node', '-e', 'console.log(JSON.stringify([process.argv.slice(1), process.env.MULTI]))', 'two\nlines', 'Ref::text'],
        environment: [{ name: 'MULTI', value: 'a\nb' }],
      },
    });
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('SUCCEEDED');
    expect(JSON.parse(fs.readFileSync(fixture.engine.logFileFor(jobId)!, 'utf8'))).toEqual([['two\nlines', 'tab\there'], 'a\nb']);
  });

  test('returns the job ARN, name and id', async () => {
    const response = await fixture.engine.submitJob({ jobName: 'named', jobQueue: 'q', jobDefinition: 'ok' });
    expect(response.jobArn).toBe(`arn:aws:batch:us-east-1:123456789012:job/${response.jobId}`);
    expect(response.jobName).toBe('named');
    expect(response.jobId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('RegisterJobDefinition refuses what would reach a process cut short or spoofed', () => {
  let fixture: EngineFixture;
  beforeAll(async () => {
    fixture = await openEngine();
  });
  afterAll(async () => {
    await fixture.engine.close();
  });

  const container = (extra: object) => ({ image: 'busybox', command: ['true'], ...extra });
  const cases: [string, object, string][] = [
    ['the environment sets AWS_BATCH_JOB_ID', { containerProperties: container({ environment: [{ name: 'AWS_BATCH_JOB_ID', value: 'x' }] }) },
      'containerProperties.environment[0].name "AWS_BATCH_JOB_ID" is reserved: names starting with AWS_BATCH are set by Batch'],
    ['an environment name hides AWS_BATCH_JOB_ID behind a NUL', { containerProperties: container({ environment: [{ name: 'X\u0000AWS_BATCH_JOB_ID', value: 'x' }] }) },
      'containerProperties.environment[0].name "X\\u0000AWS_BATCH_JOB_ID" contains the control character U+0000'],
    ['an environment value has a NUL', { containerProperties: container({ environment: [{ name: 'A', value: 'a\u0000b' }] }) },
      'containerProperties.environment[0].value "a\\u0000b" contains a NUL character (U+0000)'],
    ['a command argument has a NUL', { containerProperties: container({ command: ['echo', '\u0000'] }) },
      'containerProperties.command[1] "\\u0000" contains a NUL character (U+0000)'],
    ['the command is not a list of strings', { containerProperties: container({ command: 'echo hi' }) }, 'containerProperties.command must be a list of strings: given "echo hi"'],
    ['a default parameter has a NUL', { containerProperties: container({}), parameters: { input: '\u0000' } },
      'parameters.input "\\u0000" contains a NUL character (U+0000)'],
    ['the image has a control character', { containerProperties: container({ image: 'busybox\u0000:evil' }) },
      'containerProperties.image "busybox\\u0000:evil" contains the control character U+0000'],
    ['a node range environment hides AWS_BATCH_JOB_ID behind a NUL', {
      type: 'multinode',
      nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:', container: container({ environment: [{ name: 'X\u0000AWS_BATCH_JOB_ID', value: 'x' }] }) }] },
    }, 'nodeProperties.nodeRangeProperties[0].container.environment[0].name "X\\u0000AWS_BATCH_JOB_ID" contains the control character U+0000'],
  ];

  test.each(cases)('fails when %s', async (_what, overrides, message) => {
    const request = { jobDefinitionName: 'jd', type: 'container', ...overrides };
    const registering = fixture.engine.registerJobDefinition(request as never);
    await expect(registering).rejects.toThrow(message);
    await expect(registering).rejects.toBeInstanceOf(BatchClientException);
  });

  test('fails when a job or resource name has a control character, by the name rule', async () => {
    await expect(fixture.engine.registerJobDefinition({ jobDefinitionName: 'jd\u0000x', type: 'container', containerProperties: container({}) }))
      .rejects.toThrow('jobDefinitionName "jd\\u0000x" is not a valid name');
    await expect(fixture.engine.createJobQueue({ jobQueueName: 'q\nx', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }))
      .rejects.toThrow('jobQueueName "q\\nx" is not a valid name');
    await fixture.define('ok', ['true']);
    await expect(fixture.submit('job\u0000x', 'ok')).rejects.toThrow('jobName "job\\u0000x" is not a valid name');
  });
});

/**
 * A seeded generator of malformed and hostile requests to the Batch wire protocol: bad JSON,
 * wrong types, huge payloads, unknown operations, path tricks, oversized arrays, deep nesting
 * and prototype-pollution keys. Every case is invalid by construction (a proper prefix of a
 * JSON object never parses; a required member is always wrong or missing), so the only right
 * answer is a 4xx.
 */
import { SeededRandom } from './seeded-random';

/** One request to send. */
export interface FuzzCase {
  readonly category: string;
  readonly method: string;
  readonly path: string;
  readonly body: string | Buffer;
}

/** What a valid SubmitJob body looks like; cases break it. */
const VALID_SUBMIT = { jobName: 'fuzz', jobQueue: 'q', jobDefinition: 'd' };

const WRONG_VALUES: readonly unknown[] = [42, -1, 1.5, true, [], {}, ['x'], { a: 1 }, '', 'x'.repeat(129), '1nvalid name!', 1e308];

type Generator = (random: SeededRandom) => FuzzCase;

const post = (category: string, path: string, body: string | Buffer): FuzzCase => ({ category, method: 'POST', path, body });

const GENERATORS: Readonly<Record<string, Generator>> = {
  'bad JSON': (random) => {
    const text = JSON.stringify({ ...VALID_SUBMIT, containerOverrides: { environment: [{ name: 'A', value: 'b' }] } });
    const fixed = ['{', '}', '{"jobName":}', '{"jobName":"x",}', "{'jobName':'x'}", '{"jobName":"x"', 'NaN', '[1,2', '{"a":1}{"b":2}', '\u0000\u0001', '\ufeff{"jobName":', 'null', '"string"', '123', '[]', 'true'];
    if (random.next() < 0.5) return post('bad JSON', '/v1/submitjob', random.pick(fixed));
    const prefix = text.slice(0, random.int(1, text.length - 1));
    return post('bad JSON', random.pick(['/v1/submitjob', '/v1/describejobs', '/v1/createjobqueue']), prefix);
  },
  'wrong types': (random) => {
    const target = random.pick(['jobName', 'jobQueue', 'jobDefinition', 'arrayProperties', 'dependsOn', 'retryStrategy', 'timeout', 'tags', 'containerOverrides', 'parameters']);
    const nested: Record<string, unknown> = {
      arrayProperties: { size: random.pick(['ten', true, [], {}, 1.5, 0, 10001]) },
      retryStrategy: { attempts: random.pick(['3', 0, 11, 2.5, [], null]) },
      timeout: { attemptDurationSeconds: random.pick(['60', 59, -5, {}]) },
      dependsOn: random.pick(['job', 7, [{ jobId: 5 }], [{ type: 'SOMETIMES' }], { jobId: 'x' }]),
      tags: random.pick([[], 'team=a', { team: 5 }, { '': 'x' }]),
      containerOverrides: { environment: random.pick([{}, 'A=b', [{ name: 5 }], [{ name: 'AWS_BATCH_X', value: 'y' }]]) },
      parameters: random.pick([[], 'x', { p: 1 }]),
    };
    const value = target in nested ? nested[target] : random.pick(WRONG_VALUES.filter((v) => typeof v !== 'string' || v.length > 0));
    // A plain-string member stays invalid: 129 chars or bad characters for jobName, an unknown queue or definition otherwise.
    return post('wrong types', '/v1/submitjob', JSON.stringify({ ...VALID_SUBMIT, jobQueue: 'no-such-queue', [target]: value }));
  },
  'huge payloads': (random) => {
    const size = random.int(31 * 1024, random.next() < 0.9 ? 256 * 1024 : 4 * 1024 * 1024);
    return post('huge payloads', random.pick(['/v1/submitjob', '/v1/registerjobdefinition']), JSON.stringify({ ...VALID_SUBMIT, jobName: 'x'.repeat(size) }));
  },
  'unknown operations': (random) => {
    const letters = Array.from({ length: random.int(1, 24) }, () => random.pick([...'abcdefghijklmnopqrstuvwxyz'])).join('');
    const [method, path] = random.pick([
      ['POST', `/v1/${letters}`], ['POST', `/v2/submitjob`], ['GET', '/'], ['PUT', '/v1/submitjob'], ['GET', '/v1/submitjob'],
      ['DELETE', '/v1/describejobs'], ['POST', '/v1/SubmitJob'], ['POST', '/v1/submitjob/extra'], ['PATCH', `/v1/tags/${letters}`], ['POST', `/${letters}`],
    ] as const);
    return { category: 'unknown operations', method, path, body: '{}' };
  },
  'path tricks': (random) => post('path tricks', random.pick([
    '/v1/../v1/submitjob', '/v1/submitjob/..', '//v1/submitjob', '/v1/%2e%2e/submitjob', '/v1/submitjob%00', '/v1/./submitjob', '/v1/submitjob;x=1',
    '/v1/tags/%ZZ', '/v1/tags/', '/v1/tags/arn%3Aaws%3Abatch%3Aus-east-1%3A123456789012%3Ajob-queue%2F..%2F..%2Fetc%2Fpasswd', '/v1/tags/..%2F..%2F..',
    `/v1/${'a/'.repeat(random.int(100, 2000))}submitjob`, '/v1/submitjob?x=%ZZ', '/v1/describejobs?jobs=1&jobs=2', '/%76%31/submitjob', '/V1/SUBMITJOB',
    '/v1/tags/arn:aws:batch:us-east-1:123456789012:job-queue/missing?tagKeys=%ZZ', '/v1/submitjob#fragment', '*',
  ]), JSON.stringify({ jobName: 'only-a-name' })),
  'oversized arrays': (random) => random.pick<() => FuzzCase>([
    () => post('oversized arrays', '/v1/describejobs', JSON.stringify({ jobs: Array.from({ length: random.int(101, 2500) }, (_, i) => `j${i}`) })),
    () => post('oversized arrays', '/v1/submitjob', JSON.stringify({ ...VALID_SUBMIT, dependsOn: Array.from({ length: random.int(21, 600) }, (_, i) => ({ jobId: `j${i}` })) })),
    () => post('oversized arrays', '/v1/submitjob', JSON.stringify({ ...VALID_SUBMIT, tags: Object.fromEntries(Array.from({ length: random.int(51, 500) }, (_, i) => [`k${i}`, 'v'])) })),
    () => post('oversized arrays', '/v1/submitjob', JSON.stringify({ ...VALID_SUBMIT, retryStrategy: { attempts: 2, evaluateOnExit: Array.from({ length: random.int(6, 400) }, () => ({ onExitCode: '1', action: 'RETRY' })) } })),
    () => post('oversized arrays', '/v1/createjobqueue', JSON.stringify({ jobQueueName: 'big', priority: 1, computeEnvironmentOrder: Array.from({ length: random.int(4, 300) }, (_, i) => ({ order: i, computeEnvironment: `ce${i}` })) })),
  ])(),
  'deep nesting': (random) => {
    const depth = random.next() < 0.5 ? 10_000 : random.int(33, 9_999);
    const open = random.pick(['[', '{"a":']);
    const close = open === '[' ? ']' : '}';
    const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
    const member = random.pick(['containerOverrides', 'parameters', 'tags', 'jobName', 'unknownMember']);
    return post('deep nesting', '/v1/submitjob', `{"jobName":"deep","jobQueue":"q","jobDefinition":"d","${member}":${deep}}`);
  },
  'prototype keys': (random) => post('prototype keys', '/v1/submitjob', random.pick([
    '{"__proto__":{"jobName":"x","jobQueue":"q","jobDefinition":"d"}}',
    '{"constructor":{"prototype":{"jobName":"x"}},"jobQueue":"q"}',
    '{"jobName":"x","jobQueue":"q","jobDefinition":"d","tags":{"__proto__":5}}',
    '{"jobName":"x","jobQueue":"q","jobDefinition":"d","parameters":{"__proto__":{"polluted":true}},"arrayProperties":{"size":1}}',
    '{"jobName":"x","jobQueue":"no-such-queue","jobDefinition":"d","containerOverrides":{"__proto__":{"command":["rm","-rf","/"]}}}',
  ])),
};

/** Every category the generator draws from. */
export const FUZZ_CATEGORIES = Object.keys(GENERATORS);

/** `count` cases, cycling through the categories so each gets its share. */
export function generateFuzzCases(random: SeededRandom, count: number): FuzzCase[] {
  return Array.from({ length: count }, (_, i) => GENERATORS[FUZZ_CATEGORIES[i % FUZZ_CATEGORIES.length]](random));
}

/**
 * The same requests against the local server and against moto_server, comparing the shapes of
 * the responses (member names and JSON types, not values): moto is a second opinion on the wire
 * format, never on Batch semantics (it finishes every job at submit).
 */
import {
  BatchClient, CancelJobCommand, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeComputeEnvironmentsCommand,
  DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, DescribeJobsCommand, ListJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';
import { createMotoServiceRole, startMoto, type RunningMoto } from './moto';

/**
 * Members moto returns that the local engine leaves out on purpose, with why. Anything else
 * moto has and the engine lacks fails the test.
 */
const EMPTY_LIST_GAP = 'AWS and moto return an empty list; the engine leaves it out (harmless for the SDK, reported to the engine owner)';
const MOTO_ONLY: Record<string, string> = {
  'DescribeJobDefinitions:jobDefinitions[].parameters': 'AWS and moto return {} when no parameters are set; the engine leaves it out (reported to the engine owner)',
  'DescribeJobDefinitions:jobDefinitions[].containerProperties.volumes': EMPTY_LIST_GAP,
  'DescribeJobDefinitions:jobDefinitions[].containerProperties.environment': EMPTY_LIST_GAP,
  'DescribeJobDefinitions:jobDefinitions[].containerProperties.mountPoints': EMPTY_LIST_GAP,
  'DescribeJobDefinitions:jobDefinitions[].containerProperties.ulimits': EMPTY_LIST_GAP,
  'DescribeJobDefinitions:jobDefinitions[].containerProperties.secrets': EMPTY_LIST_GAP,
  'DescribeJobs:jobs[].container.volumes': EMPTY_LIST_GAP,
  'DescribeJobs:jobs[].container.environment': EMPTY_LIST_GAP,
  'DescribeJobs:jobs[].container.ulimits': EMPTY_LIST_GAP,
  'DescribeJobs:jobs[].container.environment[]': 'moto adds its own variables to the environment; the job definition here sets none',
  'DescribeJobs:jobs[].container.environment[].name': 'moto adds its own variables to the environment; the job definition here sets none',
  'DescribeJobs:jobs[].container.environment[].value': 'moto adds its own variables to the environment; the job definition here sets none',
  'DescribeJobs:jobs[].container.vcpus': 'deprecated member: AWS echoes it only when the job definition uses it, and this one uses resourceRequirements',
  'DescribeJobs:jobs[].container.memory': 'deprecated member: AWS echoes it only when the job definition uses it, and this one uses resourceRequirements',
  'DescribeJobs:jobs[].container.readonlyRootFilesystem': 'moto fills a default the job definition did not set; AWS echoes what was registered',
  'DescribeJobs:jobs[].container.privileged': 'moto fills a default the job definition did not set; AWS echoes what was registered',
};

let engine: LocalBatchEngine;
let server: RunningBatchServer;
let moto: RunningMoto;

beforeAll(async () => {
  engine = await LocalBatchEngine.open({});
  server = await startBatchServer({ api: engine });
  moto = await startMoto();
}, 45_000);

afterAll(async () => {
  await server?.close();
  await engine?.close();
  await moto?.stop();
});

/** Member names and JSON types of a response, as a flat map `path -> type` (lists by their first entry). */
function shapeOf(value: unknown, path = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value)) {
    out[path] = 'list';
    if (value.length > 0) shapeOf(value[0], `${path}[]`, out);
  } else if (typeof value === 'object' && value !== null) {
    if (path !== '') out[path] = 'object';
    for (const [k, v] of Object.entries(value)) {
      if (k !== '$metadata') shapeOf(v, path === '' ? k : `${path}.${k}`, out);
    }
  } else {
    out[path] = value === null ? 'null' : typeof value;
  }
  return out;
}

/** Runs the same scenario against an endpoint and returns the shape of each response. */
async function scenario(endpoint: string, serviceRole: string): Promise<Record<string, Record<string, string>>> {
  const batch = new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  try {
    const shapes: Record<string, Record<string, string>> = {};
    const record = <T>(name: string, response: T): T => {
      shapes[name] = shapeOf(response);
      return response;
    };
    record('CreateComputeEnvironment', await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'shape-ce', type: 'UNMANAGED', state: 'ENABLED', unmanagedvCpus: 2, serviceRole })));
    record('CreateJobQueue', await batch.send(new CreateJobQueueCommand({ jobQueueName: 'shape-q', state: 'ENABLED', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'shape-ce' }] })));
    record('RegisterJobDefinition', await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'shape-jd', type: 'container',
      containerProperties: { image: 'busybox', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
    })));
    record('DescribeComputeEnvironments', await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: ['shape-ce'] })));
    record('DescribeJobQueues', await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['shape-q'] })));
    record('DescribeJobDefinitions', await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: 'shape-jd' })));
    const submitted = record('SubmitJob', await batch.send(new SubmitJobCommand({ jobName: 'shape-job', jobQueue: 'shape-q', jobDefinition: 'shape-jd' })));
    for (let i = 0; i < 400; i++) {
      const job = (await batch.send(new DescribeJobsCommand({ jobs: [submitted.jobId!] }))).jobs?.[0];
      if (job?.status === 'SUCCEEDED' || job?.status === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    record('DescribeJobs', await batch.send(new DescribeJobsCommand({ jobs: [submitted.jobId!] })));
    record('ListJobs', await batch.send(new ListJobsCommand({ jobQueue: 'shape-q', jobStatus: 'SUCCEEDED' })));
    record('CancelJob', await batch.send(new CancelJobCommand({ jobId: submitted.jobId!, reason: 'shape check' })));
    return shapes;
  } finally {
    batch.destroy();
  }
}

describe('response shapes: local server vs moto_server', () => {
  let ours: Record<string, Record<string, string>>;
  let theirs: Record<string, Record<string, string>>;

  beforeAll(async () => {
    const serviceRole = await createMotoServiceRole(moto.url);
    ours = await scenario(server.url, serviceRole);
    theirs = await scenario(moto.url, serviceRole);
  }, 45_000);

  test.each([
    'CreateComputeEnvironment', 'CreateJobQueue', 'RegisterJobDefinition', 'DescribeComputeEnvironments', 'DescribeJobQueues',
    'DescribeJobDefinitions', 'SubmitJob', 'DescribeJobs', 'ListJobs', 'CancelJob',
  ])('%s: members present in both have the same JSON types, and moto has nothing the engine lacks', (operation) => {
    const local = ours[operation];
    const reference = theirs[operation];
    const typeMismatches = Object.keys(reference).filter((path) => path in local && local[path] !== reference[path])
      .map((path) => `${path}: local ${local[path]}, moto ${reference[path]}`);
    const missing = Object.keys(reference).filter((path) => !(path in local) && !(`${operation}:${path}` in MOTO_ONLY));
    expect({ typeMismatches, missing }).toEqual({ typeMismatches: [], missing: [] });
  });
});

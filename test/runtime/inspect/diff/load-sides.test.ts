import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DiffInputError, pairStacks, readDeployedSide, readSide, type SideStack } from '../../../../runtime/inspect/diff/load-sides';
import { startMoto, type RunningMoto } from '../../server/moto';

const JOB_DEFINITION = {
  Resources: {
    Crunch: {
      Type: 'AWS::Batch::JobDefinition',
      Properties: {
        JobDefinitionName: 'crunch',
        Type: 'container',
        // moto's CloudFormation insists on both.
        RetryStrategy: { Attempts: 1 },
        Parameters: {},
        ContainerProperties: { Image: 'busybox', Command: ['echo', 'one'], ResourceRequirements: [{ Type: 'VCPU', Value: '1' }, { Type: 'MEMORY', Value: '512' }] },
      },
    },
  },
};

function side(stackName: string, fromAssembly: boolean): SideStack {
  return { stackName, source: `${stackName}.template.json`, template: { Resources: {} }, fromAssembly };
}

describe('reading the sides of a diff', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-diff-sides-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a template file is one stack named after the file', () => {
    const file = path.join(dir, 'Jobs.template.json');
    fs.writeFileSync(file, JSON.stringify(JOB_DEFINITION));
    expect(readSide(file)).toEqual([{ stackName: 'Jobs', source: file, template: JOB_DEFINITION, fromAssembly: false }]);
  });

  test('fails when the path does not exist', () => {
    expect(() => readSide(path.join(dir, 'missing'))).toThrow(new DiffInputError(`${path.join(dir, 'missing')} does not exist: expected a cdk.out directory or a template file`));
  });

  test('fails when the file is not a template', () => {
    const file = path.join(dir, 'notes.json');
    fs.writeFileSync(file, '{"hello": "world"}');
    expect(() => readSide(file)).toThrow(/notes\.json is not a CloudFormation template: expected an object with a Resources section/);
  });

  test('fails when a directory is not a synthesized app', () => {
    expect(() => readSide(dir)).toThrow(/is not a synthesized CDK app: .*manifest\.json is missing/);
  });

  test('stacks of two assemblies pair by name, a stack on one side only pairs with nothing', () => {
    const pairs = pairStacks([side('A', true), side('B', true)], [side('B', true), side('C', true)]);
    expect(pairs.map((p) => [p.stackName, p.before?.stackName, p.after?.stackName])).toEqual([['A', 'A', undefined], ['B', 'B', 'B'], ['C', undefined, 'C']]);
  });

  test('a lone template pairs with the stack of the same name, or --stack-name picks one', () => {
    expect(pairStacks([side('B', false)], [side('A', true), side('B', true)])[0].after?.stackName).toBe('B');
    expect(pairStacks([side('old', false)], [side('A', true), side('B', true)], 'A')[0]).toMatchObject({ before: { stackName: 'old' }, after: { stackName: 'A' } });
  });

  test('fails when a lone template matches none of several stacks', () => {
    expect(() => pairStacks([side('old', false)], [side('A', true), side('B', true)])).toThrow('old.template.json is one template but the other side holds stacks A, B: pick one with --stack-name');
  });

  test('fails when --stack-name names a stack a side does not have', () => {
    expect(() => pairStacks([side('A', true)], [side('A', true), side('B', true)], 'C')).toThrow("the before side has no stack named 'C', expected one of: A");
  });
});

describe('reading a deployed stack (moto_server as CloudFormation)', () => {
  let moto: RunningMoto;
  let client: CloudFormationClient;
  beforeAll(async () => {
    moto = await startMoto();
    client = new CloudFormationClient({ region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    await client.send(new CreateStackCommand({ StackName: 'Deployed', TemplateBody: JSON.stringify(JOB_DEFINITION) }));
  });
  afterAll(async () => {
    client?.destroy();
    await moto?.stop();
  });

  test('GetTemplate gives the template the stack was deployed with', async () => {
    const [deployed] = await readDeployedSide(client, 'Deployed', 'us-east-1');
    expect(deployed).toEqual({ stackName: 'Deployed', source: 'stack Deployed in us-east-1', template: JOB_DEFINITION, fromAssembly: false });
  });

  test('fails with the service message when there is no such stack', async () => {
    await expect(readDeployedSide(client, 'Nowhere', 'us-east-1')).rejects.toThrow(/^cannot read the template of stack Nowhere in us-east-1: .*Nowhere/);
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { ConstructReferenceResolver, DirectReferenceResolver, ReferenceResolutionError, resolveAll } from '../../../runtime/workflow';
import { RunningMoto, startMoto } from '../server/moto';

const RESOURCES = [
  { type: 'AWS::Batch::JobQueue', logicalId: 'CpuQueue1A2B', constructPath: 'App/Cpu/Resource', name: 'cpu' },
  { type: 'AWS::Batch::JobQueue', logicalId: 'TeamCpuQueue9F', constructPath: 'App/Team/Cpu/Resource/Resource', name: 'team-cpu' },
  { type: 'AWS::Batch::JobDefinition', logicalId: 'Etl55', constructPath: 'App/Etl/Resource', arn: 'arn:aws:batch:us-east-1:123456789012:job-definition/etl:3' },
];

describe('ConstructReferenceResolver', () => {
  const resolver = new ConstructReferenceResolver(RESOURCES);

  test('resolves by full path, path suffix or logical id; the ARN wins over the name', async () => {
    expect(await resolver.resolve('jobQueue', 'cdk:App/Cpu')).toBe('cpu');
    expect(await resolver.resolve('jobQueue', 'cdk:Team/Cpu')).toBe('team-cpu');
    expect(await resolver.resolve('jobQueue', 'cdk:TeamCpuQueue9F')).toBe('team-cpu');
    expect(await resolver.resolve('jobDefinition', 'cdk:Etl')).toBe('arn:aws:batch:us-east-1:123456789012:job-definition/etl:3');
  });

  test('passes names and ARNs through', async () => {
    expect(await resolver.resolve('jobQueue', 'arn:aws:batch:us-east-1:123456789012:job-queue/x')).toBe('arn:aws:batch:us-east-1:123456789012:job-queue/x');
  });

  test('fails when a reference is ambiguous, naming the candidates', async () => {
    await expect(resolver.resolve('jobQueue', 'cdk:Cpu')).rejects.toThrow("jobQueue 'cdk:Cpu' is ambiguous: it matches App/Cpu, App/Team/Cpu; give more of the construct path");
  });

  test('fails when a construct reference meets the direct resolver', async () => {
    await expect(new DirectReferenceResolver().resolve('jobDefinition', 'cdk:Etl')).rejects.toThrow(ReferenceResolutionError);
  });

  test('resolves each distinct reference once', async () => {
    let calls = 0;
    const counting = { resolve: async (_kind: string, reference: string) => { calls++; return reference.toUpperCase(); } };
    const resolved = await resolveAll(counting, [{ kind: 'jobQueue', reference: 'q' }, { kind: 'jobQueue', reference: 'q' }, { kind: 'jobDefinition', reference: 'q' }]);
    expect(resolved).toEqual({ 'jobQueue:q': 'Q', 'jobDefinition:q': 'Q' });
    expect(calls).toBe(2);
  });

  test('names unnamed template resources by logical id, as the local engine does', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resolver-'));
    const file = path.join(dir, 'App.template.json');
    fs.writeFileSync(file, JSON.stringify({ Resources: { Jd12: { Type: 'AWS::Batch::JobDefinition', Metadata: { 'aws:cdk:path': 'App/Jd/Resource' }, Properties: {} } } }));
    expect(await ConstructReferenceResolver.fromTemplateFile(file).resolve('jobDefinition', 'cdk:Jd')).toBe('Jd12');
    fs.rmSync(dir, { recursive: true });
  });
});

describe('ConstructReferenceResolver.fromCloudFormationStack', () => {
  let moto: RunningMoto;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  test('maps construct paths to the deployed physical ids (ARNs)', async () => {
    // GIVEN: a deployed stack (moto's CloudFormation needs RetryStrategy on job definitions)
    const client = new CloudFormationClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await client.send(new CreateStackCommand({
      StackName: 'App',
      TemplateBody: JSON.stringify({
        Resources: {
          EtlDef: {
            Type: 'AWS::Batch::JobDefinition', Metadata: { 'aws:cdk:path': 'App/Etl/Resource' },
            Properties: { Type: 'container', RetryStrategy: { Attempts: 1 }, ContainerProperties: { Image: 'busybox', Vcpus: 1, Memory: 128 } },
          },
        },
      }),
    }));
    // WHEN
    const resolver = await ConstructReferenceResolver.fromCloudFormationStack(client, 'App');
    // THEN
    expect(await resolver.resolve('jobDefinition', 'cdk:Etl')).toMatch(/^arn:aws:batch:us-east-1:123456789012:job-definition\/App-EtlDef-\w+:1$/);
    client.destroy();
  });
});

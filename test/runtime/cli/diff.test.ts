/**
 * `batchkit diff` as users run it: the compiled CLI (run `npx tsc -p .` first) on two cloud
 * assemblies synthesized from a small batchkit app before and after a change.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { STACK_NAME, synthDiffApp } from '../inspect/diff/diff-apps';
import { hasEscapeCodes, runCli } from './cli-process';

describe('batchkit diff (compiled CLI)', () => {
  let root: string;
  const dir = (name: string) => path.join(root, name);
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-diff-cli-'));
    synthDiffApp(dir('before'), { computeEnvironmentName: 'crunchers', instanceTypes: ['c5.4xlarge'], bigQueue: true });
    // The 16-vCPU job no longer fits queue 'work' (c5.2xlarge has 8), and a tag replaces the named compute environment.
    synthDiffApp(dir('broken'), { computeEnvironmentName: 'crunchers', instanceTypes: ['c5.2xlarge'], computeTags: { team: 'ml' }, bigQueue: true });
    synthDiffApp(dir('scaled'), { computeEnvironmentName: 'crunchers', instanceTypes: ['c5.4xlarge'], maxvCpus: 512, bigQueue: true });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('exits 1 and shows the failing deploy and the unplaceable job first, as Markdown', async () => {
    const result = await runCli(['diff', dir('before'), dir('broken')]);
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`### ${STACK_NAME}`);
    expect(lines.slice(2, 4).join('\n')).toMatch(/deploy fails:\*\* compute environment 'crunchers' must be replaced[\s\S]*jobs cannot start:\*\* job definition 'crunch' can no longer run on queue 'work'/);
    expect(result.stdout).toContain("| Compute 'crunchers' | Batch::ComputeEnvironment | **replaced** | ComputeResources.InstanceTypes, ComputeResources.Tags, Tags |");
    expect(hasEscapeCodes(result.stdout)).toBe(false);
  });

  test('exits 0 for an in-place maxvCpus change', async () => {
    const result = await runCli(['diff', dir('before'), dir('scaled')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("info: compute environment 'crunchers': scaling update (ComputeResources.MaxvCpus); instances and running jobs are kept");
    expect(result.stdout).toContain('**nothing blocks this deploy** · 0 blocking, 0 warning(s)');
  });

  test('--json prints the documented document', async () => {
    const result = await runCli(['diff', dir('before'), dir('broken'), '--json']);
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout);
    expect(document).toEqual({
      version: 1,
      rulesFrom: expect.stringMatching(/^@aws-cdk\/aws-service-spec@\d+\.\d+\.\d+$/),
      blocking: 2,
      warnings: expect.any(Number),
      stacks: [{
        stackName: STACK_NAME,
        before: path.join(dir('before'), `${STACK_NAME}.template.json`),
        after: path.join(dir('broken'), `${STACK_NAME}.template.json`),
        resources: expect.arrayContaining([{
          logicalId: expect.stringMatching(/^Compute/),
          type: 'AWS::Batch::ComputeEnvironment',
          customName: 'crunchers',
          constructPath: `${STACK_NAME}/Compute/Resource`,
          change: 'replaced',
          changedProperties: ['ComputeResources.InstanceTypes', 'ComputeResources.Tags', 'Tags'],
          assetOnly: false,
          reason: expect.any(String),
        }]),
        consequences: expect.arrayContaining([
          { severity: 'blocking', kind: 'custom-name-replacement', logicalId: expect.stringMatching(/^Compute/), message: expect.any(String) },
          { severity: 'blocking', kind: 'placement-lost', logicalId: expect.stringMatching(/^Crunch/), message: expect.any(String) },
        ]),
        placement: {
          lost: [{
            jobDefinition: 'crunch', jobDefinitionLogicalId: expect.stringMatching(/^Crunch/), queue: 'work', queueLogicalId: expect.stringMatching(/^Queue/),
            reason: "job definition 'crunch' asks for 16 vCPUs but queue 'work' offers at most 8 (c5.2xlarge)",
          }],
          gained: [],
        },
      }],
    });
  });

  test('exits 2 when a side does not exist', async () => {
    const result = await runCli(['diff', dir('missing'), dir('broken')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`batchkit: ${dir('missing')} does not exist: expected a cdk.out directory or a template file\n`);
  });

  test('exits 2 for --stack without --region', async () => {
    const result = await runCli(['diff', '--stack', STACK_NAME, dir('broken')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`--stack ${STACK_NAME} needs --region`);
  });
});

import * as fs from 'fs';
import { CFN_UPDATE_RULES, CFN_UPDATE_RULES_SOURCE } from '../../../runtime/model/cfn-update-rules.generated';

// The generator is plain Node; it reads the installed @aws-cdk/aws-service-spec (a devDependency).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateCfnUpdateRules, TARGET } = require('../../../scripts/generate-cfn-update-rules.js') as { generateCfnUpdateRules(): string; TARGET: string };

describe('CloudFormation update rules', () => {
  test('the committed file matches the installed @aws-cdk/aws-service-spec', () => {
    if (fs.readFileSync(TARGET, 'utf8') !== generateCfnUpdateRules()) {
      throw new Error('runtime/model/cfn-update-rules.generated.ts is stale against the installed @aws-cdk/aws-service-spec: run `node scripts/generate-cfn-update-rules.js` and commit the result');
    }
  });

  test('they come from the installed package version', () => {
    const installed = JSON.parse(fs.readFileSync(require.resolve('@aws-cdk/aws-service-spec/package.json'), 'utf8')) as { version: string };
    expect(CFN_UPDATE_RULES_SOURCE).toEqual({ package: '@aws-cdk/aws-service-spec', version: installed.version });
  });

  test('a compute environment: names and tags replace it, instance types only under conditions, maxvCpus never', () => {
    const rules = CFN_UPDATE_RULES['AWS::Batch::ComputeEnvironment'];
    expect(rules.replacement).toEqual(expect.arrayContaining(['ComputeEnvironmentName', 'Tags', 'Type']));
    expect(rules.conditional).toEqual(expect.arrayContaining(['ComputeResources.InstanceTypes', 'ComputeResources.AllocationStrategy', 'ComputeResources.Subnets']));
    expect([...rules.replacement, ...rules.conditional]).not.toContain('ComputeResources.MaxvCpus');
    expect(rules.defaults).toMatchObject({ ReplaceComputeEnvironment: true, 'UpdatePolicy.JobExecutionTimeoutMinutes': 30, 'UpdatePolicy.TerminateJobsOnUpdate': false });
  });
});

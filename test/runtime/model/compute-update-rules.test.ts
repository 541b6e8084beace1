import {
  crossesComputePlatform, describeRunningJobsDuringUpdate, infrastructureUpdateBlockers, isServiceLinkedRole,
} from '../../../runtime/model/compute-update-rules';

describe('compute environment update rules', () => {
  test('infrastructure updates need a progressive or Spot capacity-optimized allocation strategy', () => {
    expect(infrastructureUpdateBlockers({ computeType: 'EC2', allocationStrategy: 'BEST_FIT_PROGRESSIVE' })).toEqual([]);
    expect(infrastructureUpdateBlockers({ computeType: 'SPOT', allocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED' })).toEqual([]);
    expect(infrastructureUpdateBlockers({ computeType: 'EC2' })).toEqual([
      'allocation strategy BEST_FIT_PROGRESSIVE, SPOT_CAPACITY_OPTIMIZED, SPOT_PRICE_CAPACITY_OPTIMIZED but it is BEST_FIT',
    ]);
  });

  test('infrastructure updates need the service-linked role', () => {
    expect(isServiceLinkedRole(undefined)).toBe(true);
    expect(isServiceLinkedRole('arn:aws:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch')).toBe(true);
    expect(infrastructureUpdateBlockers({ computeType: 'EC2', allocationStrategy: 'BEST_FIT_PROGRESSIVE', serviceRole: 'arn:aws:iam::123456789012:role/MyBatchRole' })).toEqual([
      'the service-linked role AWSServiceRoleForBatch (no service role) but it has service role arn:aws:iam::123456789012:role/MyBatchRole',
    ]);
  });

  test('Fargate compute needs no conditions, and moving between EC2 and Fargate is a new compute environment', () => {
    expect(infrastructureUpdateBlockers({ computeType: 'FARGATE', serviceRole: 'MyBatchRole' })).toEqual([]);
    expect(crossesComputePlatform('EC2', 'SPOT')).toBe(false);
    expect(crossesComputePlatform('SPOT', 'FARGATE_SPOT')).toBe(true);
  });

  test('what running jobs go through follows the update policy', () => {
    expect(describeRunningJobsDuringUpdate({ terminateJobsOnUpdate: true, jobExecutionTimeoutMinutes: 30 })).toMatch(/terminated when the update starts/);
    expect(describeRunningJobsDuringUpdate({ terminateJobsOnUpdate: false, jobExecutionTimeoutMinutes: 90 })).toMatch(/up to 90 minutes more/);
  });
});

import { placementReport } from '../../../runtime/inspect/placement-report';
import type { DeclaredBatchResources } from '../../../runtime/inspect/batch-resources';

const resources: DeclaredBatchResources = {
  computeEnvironments: [
    { logicalId: 'Small', name: 'small', kind: 'EC2', instanceTypes: ['c5.xlarge'], maxvCpus: 64 },
    { logicalId: 'Gpu', name: 'gpu', kind: 'EC2', instanceTypes: ['g5.12xlarge'], maxvCpus: 96 },
    { logicalId: 'Fargate', name: 'fargate', kind: 'FARGATE', instanceTypes: [], maxvCpus: 16 },
    { logicalId: 'Spot', name: 'spot', kind: 'SPOT', instanceTypes: ['c5.xlarge'], maxvCpus: 64 },
  ],
  jobQueues: [
    { logicalId: 'Cpu', name: 'cpu', priority: 1, computeEnvironments: ['Small'] },
    { logicalId: 'Accel', name: 'accel', priority: 2, computeEnvironments: ['Gpu'] },
    { logicalId: 'Serverless', name: 'serverless', priority: 3, computeEnvironments: ['Fargate'] },
    { logicalId: 'Cheap', name: 'cheap', priority: 4, computeEnvironments: ['Spot'] },
  ],
  jobDefinitions: [
    { logicalId: 'Train', name: 'train', type: 'container', platform: 'EC2', containers: [{ vcpus: 96, memoryMiB: 1024, gpus: 4 }] },
    { logicalId: 'Small', name: 'tiny', type: 'container', platform: 'EC2', containers: [{ vcpus: 2, memoryMiB: 2048 }] },
    { logicalId: 'Report', name: 'report', type: 'container', platform: 'FARGATE', containers: [{ vcpus: 3, memoryMiB: 4096 }] },
    {
      logicalId: 'Mpi', name: 'mpi', type: 'multinode', platform: 'EC2', numNodes: 2, containers: [
        { targetNodes: '0:0', vcpus: 2, memoryMiB: 1024, instanceType: 'c5.xlarge' },
        { targetNodes: '1:1', vcpus: 8, memoryMiB: 1024, instanceType: 'c5.xlarge' },
      ],
    },
    {
      logicalId: 'MpiSmall', name: 'mpi-small', type: 'multinode', platform: 'EC2', numNodes: 2, containers: [
        { targetNodes: '0:1', vcpus: 2, memoryMiB: 1024, instanceType: 'c5.xlarge' },
      ],
    },
  ],
};

describe('placement report', () => {
  const report = new Map(placementReport(resources).map((p) => [p.jobDefinition, new Map(p.queues.map((q) => [q.queue, q]))]));

  test('a job fits the queues whose instances hold it, and no other', () => {
    expect(report.get('tiny')!.get('cpu')!.status).toBe('fits');
    expect(report.get('tiny')!.get('accel')!.status).toBe('fits');
    expect(report.get('tiny')!.get('serverless')).toMatchObject({ status: 'never-fits', reason: expect.stringContaining('runs on EC2') });
  });

  test('the reason names the job, the queue and the biggest instance offered', () => {
    expect(report.get('train')!.get('cpu')!.reason).toMatch(/job definition 'train' asks for 96 vCPUs but queue 'cpu' allows at most 64/);
    expect(report.get('train')!.get('accel')!.reason).toMatch(/asks for 96 vCPUs but queue 'accel' offers at most 48 \(g5\.12xlarge\)/);
  });

  test('fargate jobs are held to fargate sizes', () => {
    expect(report.get('report')!.get('serverless')).toMatchObject({ status: 'never-fits', reason: expect.stringMatching(/3 vCPU/) });
  });

  test('a multi-node job is never placed on Spot compute', () => {
    expect(report.get('tiny')!.get('cheap')!.status).toBe('fits');
    expect(report.get('mpi-small')!.get('cpu')!.status).toBe('fits');
    expect(report.get('mpi-small')!.get('cheap')).toMatchObject({ status: 'never-fits', reason: expect.stringContaining("queue 'cheap' has no") });
  });

  test('a multi-node job fits only where every node group fits', () => {
    expect(report.get('mpi')!.get('cpu')).toMatchObject({ status: 'never-fits', reason: expect.stringContaining('node group 1:1') });
  });
});

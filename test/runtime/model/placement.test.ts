import { ComputeDescription, JobDescription, QueueDescription, placeOnQueue } from '../../../runtime/model/placement';

const job = (overrides: Partial<JobDescription> = {}): JobDescription => ({ subject: "job definition 'J'", platform: 'EC2', vcpus: 1, memoryMiB: 1024, gpus: 0, ...overrides });
const queueOf = (...computeEnvironments: ComputeDescription[]): QueueDescription => ({ name: 'Q', computeEnvironments });

describe('placeOnQueue', () => {
  test('fits when some instance type of some compute environment holds the job', () => {
    const queue = queueOf({ name: 'Small', kind: 'EC2', instanceTypes: ['m5.large'] }, { name: 'Big', kind: 'SPOT', instanceTypes: ['m5.4xlarge'] });
    expect(placeOnQueue(job({ vcpus: 16, memoryMiB: 60000 }), queue).status).toBe('fits');
  });

  test('never fits when the job asks for all the memory an instance has installed', () => {
    const verdict = placeOnQueue(job({ vcpus: 2, memoryMiB: 8192 }), queueOf({ name: 'C', kind: 'EC2', instanceTypes: ['m4.large'] }));
    expect(verdict).toEqual({
      status: 'never-fits',
      reason: "job definition 'J' asks for 8192 MiB of memory but queue 'Q' offers jobs at most 7953 MiB (m4.large: 8192 MiB installed, less what the OS and the ECS agent keep)",
    });
    expect(placeOnQueue(job({ vcpus: 2, memoryMiB: 7953 }), queueOf({ name: 'C', kind: 'EC2', instanceTypes: ['m4.large'] })).status).toBe('fits');
  });

  test('only the instance type of a node group counts for that group', () => {
    const queue = queueOf({ name: 'C', kind: 'EC2', instanceTypes: ['c5'] });
    expect(placeOnQueue(job({ vcpus: 8, instanceType: 'c5.large' }), queue).reason).toBe("job definition 'J' asks for 8 vCPUs but queue 'Q' offers at most 2 (c5.large)");
    expect(placeOnQueue(job({ instanceType: 'm5.large' }), queue).reason).toBe("job definition 'J' asks for instance type m5.large but queue 'Q' does not offer it (it offers c5)");
  });

  test('is unknown, not a pass, when an instance type is not in the catalog or unmanaged instances are unknown', () => {
    expect(placeOnQueue(job({ vcpus: 999 }), queueOf({ name: 'C', kind: 'EC2', instanceTypes: ['zz9.huge'] })).status).toBe('unknown');
    expect(placeOnQueue(job(), queueOf({ name: 'Own', kind: 'UNMANAGED', instanceTypes: [] }))).toEqual({
      status: 'unknown', reason: "job definition 'J' cannot be checked against queue 'Q': unmanaged compute environment 'Own' has no instances batchkit knows of",
    });
  });

  test('never fits a Fargate job on EC2 compute, nor an EC2 job on Fargate', () => {
    expect(placeOnQueue(job({ platform: 'FARGATE' }), queueOf({ name: 'C', kind: 'EC2', instanceTypes: ['m5'] })).reason)
      .toBe("job definition 'J' runs on FARGATE but queue 'Q' has EC2 compute environments");
    expect(placeOnQueue(job(), queueOf({ name: 'F', kind: 'FARGATE_SPOT', instanceTypes: [] })).reason)
      .toBe("job definition 'J' runs on EC2 but queue 'Q' has FARGATE_SPOT compute environments");
  });

  test('judges Fargate jobs by their vCPU/memory pair and maxvCpus', () => {
    const queue = queueOf({ name: 'F', kind: 'FARGATE', instanceTypes: [], maxvCpus: 4 });
    expect(placeOnQueue(job({ platform: 'FARGATE', vcpus: 1, memoryMiB: 2048 }), queue).status).toBe('fits');
    expect(placeOnQueue(job({ platform: 'FARGATE', vcpus: 8, memoryMiB: 16384 }), queue).reason)
      .toBe("job definition 'J' asks for 8 vCPUs but queue 'Q' allows at most 4 (maxvCpus of compute environment 'F')");
  });
});

/**
 * The container launcher with the real podman: jobs run as containers of their image with
 * Batch's semantics (command as Cmd, ENTRYPOINT, variables, limits, volumes, reasons), are
 * stopped by timeouts and TerminateJob, and leave no container behind, even after a crash.
 * Ended containers are removed shortly after their attempt ends (in batches), and by `close()`.
 */
import type * as batch from '@aws-sdk/client-batch';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CONTAINER_EXITED_REASON, START_FAILED_REASON, TIMEOUT_REASON } from '../../../runtime/engine/attempt-runner';
import { ManualClock } from '../../../runtime/engine/clock';
import { containerCreateArgs } from '../../../runtime/engine/container-args';
import { OUT_OF_MEMORY_REASON } from '../../../runtime/engine/container-exit';
import { containerLaunchSpec, ContainerPlacement } from '../../../runtime/engine/container-spec';
import { LocalBatchEngine, HOST_TERMINATED_REASON } from '../../../runtime/engine/engine';
import { chooseLauncher } from '../../../runtime/engine/engine-options';
import { EngineConfigurationError } from '../../../runtime/engine/errors';
import { containersLabelled, ENTRYPOINT_IMAGE, requireContainerRuntime, TEST_IMAGE } from './container-fixture';
import { EngineFixture, eventually, openEngine } from './engine-fixture';

const CONTAINERS = { cli: 'podman', network: 'none' } as const;

/** Registers a container job definition on the test image (1 vCPU, 64 MiB unless `properties` say otherwise). */
async function defineContainer(engine: LocalBatchEngine, name: string, properties: Partial<batch.ContainerProperties>): Promise<string> {
  await engine.registerJobDefinition({
    jobDefinitionName: name,
    type: 'container',
    containerProperties: { image: TEST_IMAGE, resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }], ...properties },
  });
  return name;
}

function logOf(engine: LocalBatchEngine, jobId: string): string {
  return fs.readFileSync(engine.logFileFor(jobId)!, 'utf8');
}

/** Waits until no container of the job is left: they are removed shortly after their attempts end. */
async function allRemoved(jobId: string): Promise<void> {
  await eventually(() => containersLabelled(`batchkit.job-id=${jobId}`).length === 0, `the containers of ${jobId} to be removed`);
}

describe('jobs in podman containers', () => {
  let fixture: EngineFixture;
  beforeAll(() => requireContainerRuntime());
  beforeEach(async () => {
    fixture = await openEngine({ launcher: 'container', containers: CONTAINERS });
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('the container sees the job\'s variables, every AWS_BATCH_* variable and Ref:: parameters, and none of the host\'s', async () => {
    // GIVEN: a variable only this process has
    process.env.BATCHKIT_HOST_ONLY = 'leaked';
    try {
      await defineContainer(fixture.engine, 'env', {
        command: ['sh', '-c', 'echo "who=$0"; env', 'Ref::who'],
        environment: [{ name: 'GREETING', value: 'hello world' }],
      });
      // WHEN
      const jobId = await fixture.submit('env', 'env', { parameters: { who: 'a b' } });
      const detail = await fixture.waitFor(jobId);
      // THEN
      expect(detail.status).toBe('SUCCEEDED');
      const lines = logOf(fixture.engine, jobId).split('\n');
      expect(lines).toEqual(expect.arrayContaining([
        'who=a b', 'GREETING=hello world', `AWS_BATCH_JOB_ID=${jobId}`, 'AWS_BATCH_JOB_ATTEMPT=1', 'AWS_BATCH_CE_NAME=ce', 'AWS_BATCH_JQ_NAME=q',
      ]));
      expect(lines.filter((line) => line.startsWith('BATCHKIT_HOST_ONLY'))).toEqual([]);
    } finally {
      delete process.env.BATCHKIT_HOST_ONLY;
    }
  });

  test('without a command the image\'s CMD runs; the image\'s ENTRYPOINT always runs, with the command as its arguments', async () => {
    // GIVEN
    await defineContainer(fixture.engine, 'bare', {});
    await defineContainer(fixture.engine, 'entry', { image: ENTRYPOINT_IMAGE, command: ['Ref::first', 'second'] });
    // WHEN
    const bare = await fixture.submit('bare', 'bare');
    const entry = await fixture.submit('entry', 'entry', { parameters: { first: 'one' } });
    // THEN
    expect((await fixture.waitFor(bare)).status).toBe('SUCCEEDED');
    expect(logOf(fixture.engine, bare)).toBe('from-image-cmd\n');
    expect((await fixture.waitFor(entry)).status).toBe('SUCCEEDED');
    expect(logOf(fixture.engine, entry)).toBe('entrypoint one second\n');
  });

  test('the container\'s exit code is the attempt\'s, stdout and stderr both in its log', async () => {
    // GIVEN
    await defineContainer(fixture.engine, 'exit3', { command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    // WHEN
    const jobId = await fixture.submit('exit3', 'exit3');
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.attempts!.map((attempt) => [attempt.container!.exitCode, attempt.statusReason])).toEqual([[3, CONTAINER_EXITED_REASON]]);
    expect(logOf(fixture.engine, jobId).split('\n').sort()).toEqual(['', 'err', 'out']);
    await allRemoved(jobId);
  });

  test('a container past its memory limit is killed and the attempt says OutOfMemoryError', async () => {
    // GIVEN: 16 MiB, and a command that holds 64 MiB (tail keeps the last line: the whole stream)
    await defineContainer(fixture.engine, 'hog', {
      command: ['sh', '-c', 'head -c 67108864 /dev/zero | tail'],
      resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '16' }],
    });
    // (podman's conmon marks an OOM kill with an empty `oom` file in its working directory)
    const strayOomFile = path.join(process.cwd(), 'oom');
    fs.rmSync(strayOomFile, { force: true });
    // WHEN
    const jobId = await fixture.submit('hog', 'hog');
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.attempts!.map((attempt) => [attempt.container!.exitCode, attempt.container!.reason, attempt.statusReason]))
      .toEqual([[137, OUT_OF_MEMORY_REASON, CONTAINER_EXITED_REASON]]);
    // and nothing of the container runtime's lands in the directory the engine was started from
    expect(fs.existsSync(strayOomFile)).toBe(false);
  });

  test('readonlyRootFilesystem: a write to / fails; a host volume is mounted where mountPoints say', async () => {
    // GIVEN: a host directory with a file in it
    const shared = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-volume-'));
    fs.writeFileSync(path.join(shared, 'in.txt'), 'from the host\n');
    try {
      await defineContainer(fixture.engine, 'readonly', { readonlyRootFilesystem: true, command: ['sh', '-c', 'touch /written'] });
      await defineContainer(fixture.engine, 'volume', {
        command: ['sh', '-c', 'cat /data/in.txt && echo from the container > /data/out.txt'],
        volumes: [{ name: 'data', host: { sourcePath: shared } }],
        mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }],
      });
      // WHEN
      const readonly = await fixture.submit('readonly', 'readonly');
      const volume = await fixture.submit('volume', 'volume');
      // THEN
      expect((await fixture.waitFor(readonly)).attempts![0].container!.exitCode).toBe(1);
      expect(logOf(fixture.engine, readonly)).toMatch(/Read-only file system/);
      expect((await fixture.waitFor(volume)).status).toBe('SUCCEEDED');
      expect(logOf(fixture.engine, volume)).toBe('from the host\n');
      expect(fs.readFileSync(path.join(shared, 'out.txt'), 'utf8')).toBe('from the container\n');
    } finally {
      fs.rmSync(shared, { recursive: true, force: true });
    }
  });

  test('fails with CannotPullContainerError when the image is neither here nor pullable', async () => {
    // GIVEN: a registry on a loopback port nobody listens on
    await defineContainer(fixture.engine, 'nowhere', { image: 'localhost:1/batchkit-nope:1', command: ['true'] });
    // WHEN
    const jobId = await fixture.submit('nowhere', 'nowhere');
    const detail = await fixture.waitFor(jobId, ['SUCCEEDED', 'FAILED'], 30_000);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.attempts![0].statusReason).toBe(START_FAILED_REASON);
    expect(detail.attempts![0].container!.reason).toMatch(/^CannotPullContainerError: .*localhost:1/);
    expect(logOf(fixture.engine, jobId)).toMatch(/^batchkit: CannotPullContainerError: /);
  });

  test('fails with CannotCreateContainerError when the runtime cannot create the container, and with CannotStartContainerError when it cannot start it', async () => {
    // GIVEN: a device the host lacks (refused at create), and a command the image lacks (refused at start)
    await defineContainer(fixture.engine, 'nodevice', { command: ['true'], linuxParameters: { devices: [{ hostPath: '/dev/batchkit-missing-device' }] } });
    await defineContainer(fixture.engine, 'nocommand', { command: ['/batchkit-missing-command'] });
    // WHEN
    const uncreated = await fixture.submit('nodevice', 'nodevice');
    const unstarted = await fixture.submit('nocommand', 'nocommand');
    const uncreatedDetail = await fixture.waitFor(uncreated);
    const unstartedDetail = await fixture.waitFor(unstarted);
    // THEN: the runtime's own message, and nothing left
    expect(uncreatedDetail.status).toBe('FAILED');
    expect(uncreatedDetail.attempts![0].statusReason).toBe(START_FAILED_REASON);
    expect(uncreatedDetail.attempts![0].container!.reason).toMatch(/^CannotCreateContainerError: .*\/dev\/batchkit-missing-device: no such file or directory$/);
    expect(logOf(fixture.engine, uncreated)).toMatch(/\nbatchkit: CannotCreateContainerError: /);
    expect(unstartedDetail.status).toBe('FAILED');
    expect(unstartedDetail.attempts![0].statusReason).toBe(START_FAILED_REASON);
    expect(unstartedDetail.attempts![0].container!.reason).toMatch(/^CannotStartContainerError: .*batchkit-missing-command/);
    await allRemoved(uncreated);
    await allRemoved(unstarted);
  });

  test('TerminateJob stops the container (SIGTERM, then SIGKILL) and removes it', async () => {
    // GIVEN: a container that ignores SIGTERM (sleep as PID 1)
    await defineContainer(fixture.engine, 'sleeper', { command: ['sleep', '30'] });
    const jobId = await fixture.submit('sleeper', 'sleeper');
    await fixture.waitFor(jobId, ['RUNNING']);
    // WHEN
    await fixture.engine.terminateJob({ jobId, reason: 'no longer needed' });
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.statusReason).toBe('no longer needed');
    expect(detail.attempts![0].container!.exitCode).toBe(137);
    await allRemoved(jobId);
  });
});

describe('timeouts of container jobs', () => {
  beforeAll(() => requireContainerRuntime());

  test('an attempt past its timeout has its container stopped, and nothing is left', async () => {
    // GIVEN
    const clock = new ManualClock();
    const fixture = await openEngine({ launcher: 'container', containers: CONTAINERS, clock });
    try {
      await defineContainer(fixture.engine, 'sleeper', { command: ['sleep', '30'] });
      const jobId = await fixture.submit('sleeper', 'sleeper', { timeout: { attemptDurationSeconds: 60 } });
      await fixture.waitFor(jobId, ['RUNNING']);
      // WHEN: the timeout, then the kill grace, pass
      clock.advance(60_000);
      clock.advance(100);
      const detail = await fixture.waitFor(jobId);
      // THEN
      expect(detail.status).toBe('FAILED');
      expect(detail.statusReason).toBe(TIMEOUT_REASON);
      await allRemoved(jobId);
    } finally {
      await fixture.engine.close();
    }
  });
});

describe('crash recovery with containers', () => {
  let dataDir: string;
  beforeAll(() => requireContainerRuntime());
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-container-crash-'));
  });
  afterEach(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('a reopened engine removes the container a crashed one left running and ends that attempt as interrupted', async () => {
    // GIVEN: an engine in another process, killed with SIGKILL while its job's container runs
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'container-crashing-engine.ts'), dataDir], {
      env: { ...process.env, TS_NODE_SWC: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(() => output.includes('\n'), 'the job to run in the other engine', 30_000);
    } finally {
      child.kill('SIGKILL');
    }
    const jobId = output.trim();
    await eventually(() => containersLabelled(`batchkit.job-id=${jobId}`).length === 1, 'the orphaned container to exist');
    // WHEN
    const engine = await LocalBatchEngine.open({ dataDir, launcher: 'container', containers: CONTAINERS, hostCapacity: { vcpus: 2, memoryMiB: 4096 } });
    try {
      // THEN: the leftover is gone before anything runs again, and the retry succeeds
      expect(containersLabelled(`batchkit.job-id=${jobId}`)).toEqual([]);
      let detail: batch.JobDetail | undefined;
      await eventually(async () => {
        detail = (await engine.describeJobs({ jobs: [jobId] })).jobs![0];
        return detail.status === 'SUCCEEDED' || detail.status === 'FAILED';
      }, 'the retry to finish', 30_000);
      expect(detail!.status).toBe('SUCCEEDED');
      expect(detail!.attempts!.map((attempt) => attempt.statusReason)).toEqual([HOST_TERMINATED_REASON, CONTAINER_EXITED_REASON]);
    } finally {
      await engine.close();
    }
    expect(containersLabelled(`batchkit.job-id=${jobId}`)).toEqual([]);
  });
});

describe('choosing the launcher', () => {
  beforeAll(() => requireContainerRuntime());

  test('auto picks containers when the CLI answers, host processes when it does not, and says why', async () => {
    // WHEN
    const withPodman = await chooseLauncher({ launcher: 'auto', containers: { cli: 'podman' } });
    const without = await chooseLauncher({ launcher: 'auto', containers: { cli: '/nonexistent/docker' } });
    await withPodman.launcher.close?.();
    await without.launcher.close?.();
    // THEN
    expect(withPodman.launcher.runsContainers).toBe(true);
    expect(withPodman.description).toMatch(/^containers via podman \d+\.\d+\S* \(launcher auto: podman answered\)$/);
    expect(without.launcher.runsContainers).toBeFalsy();
    expect(without.description).toMatch(/^host processes \(launcher auto: no working container runtime: \/nonexistent\/docker: .*ENOENT/);
  });

  test('fails when containers are asked for and no runtime answers, naming what was tried', async () => {
    await expect(chooseLauncher({ launcher: 'container', containers: { cli: '/nonexistent/docker' } }))
      .rejects.toThrow(/^no working container runtime: \/nonexistent\/docker: .*expected docker or podman answering `version`/);
  });

  test('fails when BATCHKIT_LAUNCHER names no launcher kind', async () => {
    const previous = process.env.BATCHKIT_LAUNCHER;
    process.env.BATCHKIT_LAUNCHER = 'vm';
    try {
      await expect(chooseLauncher({})).rejects.toThrow(EngineConfigurationError);
      await expect(chooseLauncher({})).rejects.toThrow('BATCHKIT_LAUNCHER must be one of auto, container, process (or, as an option, a ProcessLauncher): given "vm"');
    } finally {
      if (previous === undefined) {
        delete process.env.BATCHKIT_LAUNCHER;
      } else {
        process.env.BATCHKIT_LAUNCHER = previous;
      }
    }
  });
});

describe('container settings as ECS applies them', () => {
  const placement: ContainerPlacement = {
    jobId: 'job-1#0', attempt: 2, taskId: 'abcdef0123456789', engineId: 'e1', workDir: '/work/job-1/attempt-2', efsRoot: '/data/efs',
    platform: 'EC2', needs: { milliVcpus: 2000, memoryMiB: 512, gpus: 0 },
  };
  const request = { command: ['run', 'Ref-resolved'], environment: { A: '1' }, workDir: placement.workDir, logFile: '/logs/x.log' };
  const args = (container: batch.ContainerProperties, over: Partial<ContainerPlacement> = {}, cliKind: 'docker' | 'podman' = 'podman') =>
    containerCreateArgs(request, containerLaunchSpec(container, { ...placement, ...over }), { cliKind, network: 'default', extraEnvironment: {} });

  test('vCPUs are CPU shares on EC2 and a hard cap on Fargate; memory is a hard limit, swap only as maxSwap allows', () => {
    expect(args({ image: 'i' })).toEqual(expect.arrayContaining(['--cpu-shares', '2048']));
    expect(args({ image: 'i' }).join(' ')).toContain('--memory 512m --memory-swap 512m');
    expect(args({ image: 'i' }, { platform: 'FARGATE', needs: { milliVcpus: 250, memoryMiB: 512, gpus: 0 } }).join(' ')).toContain('--cpus 0.25 --memory 512m');
    expect(args({ image: 'i', linuxParameters: { maxSwap: 256, swappiness: 10 } }).join(' ')).toContain('--memory-swap 768m --memory-swappiness 10');
  });

  test('the command follows the image, labels name the job, attempt and engine, and variables are passed one by one', () => {
    const created = args({ image: 'repo/image:1' });
    expect(created.slice(0, 3)).toEqual(['create', '--name', 'batchkit-job-1-0-2-abcdef']);
    expect(created.slice(-3)).toEqual(['repo/image:1', 'run', 'Ref-resolved']);
    expect(created.join(' ')).toContain('--label batchkit.job-id=job-1#0 --label batchkit.attempt=2 --label batchkit.engine=e1 -e A=1');
  });

  test('linuxParameters, ulimits, user, privileged and GPUs map to their runtime flags', () => {
    const created = args({
      image: 'i', user: '1000:1000', privileged: true, readonlyRootFilesystem: true,
      ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 2048 }],
      linuxParameters: {
        initProcessEnabled: true, sharedMemorySize: 256,
        tmpfs: [{ containerPath: '/scratch', size: 64, mountOptions: ['noexec'] }],
        devices: [{ hostPath: '/dev/fuse', permissions: ['READ', 'WRITE'] }],
      },
    }, { needs: { milliVcpus: 1000, memoryMiB: 512, gpus: 2 } }).join(' ');
    expect(created).toContain('--tmpfs /scratch:size=64m,noexec --device /dev/fuse:/dev/fuse:rw --ulimit nofile=1024:2048');
    expect(created).toContain('--read-only --read-only-tmpfs=false --user 1000:1000 --privileged --init --shm-size 256m');
    expect(created).toContain('--device nvidia.com/gpu=all');
    expect(args({ image: 'i' }, { needs: { milliVcpus: 1000, memoryMiB: 512, gpus: 2 } }, 'docker').join(' ')).toContain('--gpus 2');
  });

  test('volumes: a host path as given, EFS under the engine\'s EFS root, a bare volume in the attempt\'s work dir', () => {
    const created = args({
      image: 'i',
      volumes: [
        { name: 'host', host: { sourcePath: '/srv/in' } },
        { name: 'efs', efsVolumeConfiguration: { fileSystemId: 'fs-1', rootDirectory: '/shared' } },
        { name: 'scratch' },
      ],
      mountPoints: [
        { sourceVolume: 'host', containerPath: '/in', readOnly: true },
        { sourceVolume: 'efs', containerPath: '/mnt/efs' },
        { sourceVolume: 'scratch', containerPath: '/scratch' },
      ],
    }).join(' ');
    expect(created).toContain('-v /srv/in:/in:ro -v /data/efs/fs-1/shared:/mnt/efs -v /work/job-1/attempt-2/volumes/scratch:/scratch');
  });

  test('fails when a mount point names no volume, or an EFS root directory leaves the file system', () => {
    expect(() => args({ image: 'i', volumes: [{ name: 'a' }], mountPoints: [{ sourceVolume: 'b', containerPath: '/b' }] }))
      .toThrow('CannotCreateContainerError: mount point sourceVolume "b" names no volume of the job definition: expected one of a');
    expect(() => args({ image: 'i', volumes: [{ name: 'e', efsVolumeConfiguration: { fileSystemId: 'fs-1', rootDirectory: '../../etc' } }], mountPoints: [{ sourceVolume: 'e', containerPath: '/e' }] }))
      .toThrow(/EFS volume "e" has rootDirectory "..\/..\/etc": expected a path inside the file system/);
    expect(() => args({})).toThrow(/the job definition names no image/);
  });
});

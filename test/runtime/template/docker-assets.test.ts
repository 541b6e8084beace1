/**
 * CDK Docker image assets (`ContainerImage.fromAsset`) loaded into an engine that runs jobs in
 * podman containers: a real CDK app synthesized into a cloud assembly, its asset images built
 * from cdk.out with the engine's container CLI (once per asset), and a job of one run.
 */
import { App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assetImagesFor } from '../../../runtime/cli/targets';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { ASSET_IMAGE_REPOSITORY, buildArgs } from '../../../runtime/template/docker-assets';
import { loadTemplate } from '../../../runtime/template/load-template';
import { podman, requireContainerRuntime, TEST_IMAGE } from '../engine/container-fixture';

let workDir: string;
let templateFile: string;
let helloAsset: string;
let brokenAsset: string;

/** Synthesizes a stack whose two job definitions share one asset image, and a third uses an image that cannot build. */
function synthesizeAssetApp(outdir: string, helloDir: string, brokenDir: string): string {
  const app = new App({ outdir });
  const stack = new Stack(app, 'AssetImages');
  const compute = new batch.UnmanagedComputeEnvironment(stack, 'Compute', { unmanagedvCpus: 2 });
  new batch.JobQueue(stack, 'Queue', { jobQueueName: 'assets', priority: 1, computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
  const hello = ecs.ContainerImage.fromAsset(helloDir);
  for (const [id, image] of [['Hello', hello], ['HelloAgain', hello], ['Broken', ecs.ContainerImage.fromAsset(brokenDir)]] as const) {
    new batch.EcsJobDefinition(stack, id, {
      jobDefinitionName: id.toLowerCase(),
      container: new batch.EcsEc2ContainerDefinition(stack, `${id}Container`, { image, cpu: 1, memory: Size.mebibytes(64) }),
    });
  }
  app.synth();
  return path.join(outdir, 'AssetImages.template.json');
}

/** The hash of the asset whose Dockerfile is `sourceDir`'s (cdk.out holds a copy of each build directory). */
function assetIdOf(sourceDir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(workDir, 'cdk.out', 'AssetImages.assets.json'), 'utf8')) as { dockerImages: Record<string, { source: { directory: string } }> };
  const dockerfile = fs.readFileSync(path.join(sourceDir, 'Dockerfile'), 'utf8');
  const [assetId] = Object.entries(manifest.dockerImages).find(([, entry]) => fs.readFileSync(path.join(workDir, 'cdk.out', entry.source.directory, 'Dockerfile'), 'utf8') === dockerfile)!;
  return assetId;
}

function openContainerEngine(): Promise<LocalBatchEngine> {
  return LocalBatchEngine.open({ launcher: 'container', containers: { cli: 'podman', network: 'none' }, logDir: path.join(workDir, 'logs'), hostCapacity: { vcpus: 2, memoryMiB: 1024 } });
}

beforeAll(() => {
  requireContainerRuntime();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-assets-'));
  const helloDir = path.join(workDir, 'hello');
  const brokenDir = path.join(workDir, 'broken');
  fs.mkdirSync(helloDir);
  fs.mkdirSync(brokenDir);
  // A label unique to this run gives the asset a hash of its own, so no earlier run's image is found.
  fs.writeFileSync(path.join(helloDir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nLABEL batchkit.test-run=${randomBytes(8).toString('hex')}\nCMD ["echo","from-asset"]\n`);
  fs.writeFileSync(path.join(brokenDir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY no-such-file /\n`);
  templateFile = synthesizeAssetApp(path.join(workDir, 'cdk.out'), helloDir, brokenDir);
  helloAsset = assetIdOf(helloDir);
  brokenAsset = assetIdOf(brokenDir);
}, 60_000);

afterAll(() => {
  for (const assetId of [helloAsset, brokenAsset].filter(Boolean)) {
    podman(['rmi', '-f', `${ASSET_IMAGE_REPOSITORY}:${assetId}`]);
  }
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe('CDK asset images with the container launcher', () => {
  test('are built from cdk.out once per asset, and a job of one runs the built image', async () => {
    // GIVEN
    const progress: string[] = [];
    const engine = await openContainerEngine();
    try {
      // WHEN
      const report = await loadTemplate(engine, templateFile, { assetImages: assetImagesFor(engine, (line) => progress.push(line)) });
      const jobId = (await engine.submitJob({ jobName: 'hello', jobQueue: 'assets', jobDefinition: 'hello' })).jobId!;
      const job = await waitForEnd(engine, jobId);
      // THEN
      const localImage = `${ASSET_IMAGE_REPOSITORY}:${helloAsset}`;
      expect(report.assetImages).toEqual([{ assetId: helloAsset, directory: path.join(workDir, 'cdk.out', `asset.${helloAsset}`), image: localImage, status: 'built' }]);
      expect(progress.filter((line) => line.startsWith(`building image for asset ${helloAsset} from `))).toHaveLength(1);
      for (const name of ['hello', 'helloagain']) {
        const definition = (await engine.describeJobDefinitions({ jobDefinitionName: name, status: 'ACTIVE' })).jobDefinitions![0];
        expect(definition.containerProperties!.image).toBe(localImage);
      }
      expect(job.status).toBe('SUCCEEDED');
      expect(fs.readFileSync(engine.logFileFor(jobId)!, 'utf8')).toBe('from-asset\n');
    } finally {
      await engine.close();
    }
  }, 120_000);

  test('fails the job definition of an image that does not build, with a finding naming the asset, its directory and the build output', async () => {
    // GIVEN
    const engine = await openContainerEngine();
    try {
      // WHEN
      const report = await loadTemplate(engine, templateFile, { assetImages: assetImagesFor(engine, () => undefined) });
      // THEN
      const errors = report.findings.filter((f) => f.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].property).toBe('ContainerProperties.Image');
      expect(errors[0].message).toMatch(new RegExp(`^Broken\\w+ \\(AWS::Batch::JobDefinition\\) was not created: image of CDK asset ${brokenAsset} could not be built from \\S*asset\\.${brokenAsset} \\(podman build exited with \\d+\\): .*no-such-file`));
      expect(report.resources.map((r) => r.name)).not.toContain('broken');
      expect(report.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['assets', 'hello', 'helloagain']));
    } finally {
      await engine.close();
    }
  }, 120_000);

  test('loading again builds nothing: the tagged image is found', async () => {
    // GIVEN: the first test built the image
    const progress: string[] = [];
    const engine = await openContainerEngine();
    try {
      // WHEN
      const report = await loadTemplate(engine, templateFile, { assetImages: assetImagesFor(engine, (line) => progress.push(line)) });
      // THEN
      expect(report.assetImages.map((image) => [image.assetId, image.status])).toEqual([[helloAsset, 'present']]);
      // (one line says so; a build would print 'building image for asset ...' instead)
      expect(progress.filter((line) => line.includes(helloAsset))).toEqual([expect.stringMatching(/was built before \(same asset hash\): reused$/)]);
    } finally {
      await engine.close();
    }
  }, 120_000);
});

describe('CDK asset images with the process launcher', () => {
  test('are not built: job definitions keep the ECR image URI, which host processes never run', async () => {
    // GIVEN
    const engine = await LocalBatchEngine.open({ launcher: 'process', logDir: path.join(workDir, 'logs') });
    try {
      // WHEN
      const report = await loadTemplate(engine, templateFile, { assetImages: assetImagesFor(engine, () => undefined) });
      // THEN
      expect(report.findings.filter((f) => f.level === 'error')).toEqual([]);
      expect(report.assetImages).toEqual([]);
      const definition = (await engine.describeJobDefinitions({ jobDefinitionName: 'broken', status: 'ACTIVE' })).jobDefinitions![0];
      expect(definition.containerProperties!.image).toBe(`123456789012.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets-123456789012-us-east-1:${brokenAsset}`);
    } finally {
      await engine.close();
    }
  });
});

describe('buildArgs', () => {
  test('uses a local base image and pulls only a missing one, in each runtime\'s spelling, with the manifest\'s build settings', () => {
    // GIVEN
    const source = { directory: 'asset.x', dockerFile: 'build/Dockerfile', dockerBuildArgs: { A: '1' }, dockerBuildTarget: 'runtime', platform: 'linux/amd64' };
    // WHEN
    const docker = buildArgs('docker', 'localhost/batchkit-cdk-asset:x', '/out/asset.x', source);
    const podmanArgs = buildArgs('podman', 'localhost/batchkit-cdk-asset:x', '/out/asset.x', source);
    // THEN
    expect(docker).toEqual([
      'build', '--tag', 'localhost/batchkit-cdk-asset:x', '--file', '/out/asset.x/build/Dockerfile', '--pull=false',
      '--build-arg', 'A=1', '--target', 'runtime', '--platform', 'linux/amd64', '/out/asset.x',
    ]);
    expect(podmanArgs[5]).toBe('--pull=missing');
  });
});

/** Polls DescribeJobs until the job ends; bounded by a number of polls, not a time window. */
async function waitForEnd(engine: LocalBatchEngine, jobId: string) {
  for (let i = 0; i < 1200; i++) {
    const job = (await engine.describeJobs({ jobs: [jobId] })).jobs?.[0];
    if (job?.status === 'SUCCEEDED' || job?.status === 'FAILED') return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${jobId} did not end within 1200 polls`);
}

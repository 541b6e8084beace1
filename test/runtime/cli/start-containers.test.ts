/**
 * `npm start` on a machine where podman answers: the example's image is built from its CDK
 * asset in cdk.out, every job of the example workflow runs in a container of it, the summary
 * says so, and no container is left behind.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { engineIdOf } from '../../../runtime/engine/engine-options';
import { requireContainerRuntime } from '../engine/container-fixture';
import { cliEnv, ROOT, runCli, type CliResult } from './cli-process';

let workdir: string;
let result: CliResult;
beforeAll(async () => {
  requireContainerRuntime();
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-start-containers-'));
  const env = cliEnv({ BATCHKIT_CONTAINER_CLI: 'podman' });
  delete env.BATCHKIT_LAUNCHER;
  result = await runCli(['--workdir', workdir], { script: path.join(ROOT, 'scripts', 'start.js'), timeoutMs: 400_000, env });
}, 420_000);
afterAll(() => {
  fs.rmSync(workdir, { recursive: true, force: true });
});

test('exits 0 after the example workflow succeeded in containers, and says podman ran them', () => {
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(result.stdout).toMatch(/^Run example-pipeline-\S+ \(example-pipeline\): SUCCEEDED in \S+$/m);
  expect(result.stdout).toMatch(/^npm start took .*; jobs ran as containers via podman \S+ \(--launcher auto\)$/m);
});

test('the jobs ran in the image built from the example app\'s asset, and every container is gone', () => {
  const assetImages = spawnSync('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'reference=localhost/batchkit-cdk-asset'], { encoding: 'utf8' })
    .stdout.split('\n').filter(Boolean);
  // The image assets only: the monitoring stack's Lambda code is an asset directory too.
  const manifests = fs.readdirSync(path.join(workdir, 'cdk.out')).filter((name) => name.endsWith('.assets.json'));
  const assetHashes = manifests.flatMap((name) => Object.keys(JSON.parse(fs.readFileSync(path.join(workdir, 'cdk.out', name), 'utf8')).dockerImages ?? {}));
  expect(assetHashes.length).toBeGreaterThan(0);
  expect(assetImages).toEqual(expect.arrayContaining(assetHashes.map((hash) => `localhost/batchkit-cdk-asset:${hash}`)));
  const dataDir = /^logs: +(\S+)\/logs$/m.exec(result.stdout)![1];
  const leftovers = spawnSync('podman', ['ps', '-a', '--filter', `label=batchkit.engine=${engineIdOf(dataDir)}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  expect(leftovers.status).toBe(0);
  expect(leftovers.stdout.split('\n').filter(Boolean)).toEqual([]);
});

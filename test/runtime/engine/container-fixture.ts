/**
 * Shared setup for the tests that run real containers (podman): test images built offline from
 * the host's static busybox (`podman import` of a tiny root filesystem), once per process, and
 * a check that podman can run them. Without a working podman the tests fail, saying what to fix.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** busybox, with `CMD ["echo","from-image-cmd"]`. */
export const TEST_IMAGE = 'localhost/batchkit-test:busybox';
/** The same files, with `ENTRYPOINT ["/bin/echo","entrypoint"]`. */
export const ENTRYPOINT_IMAGE = 'localhost/batchkit-test:entrypoint';
/** The same files, with `ENV ROLE=worker`: a second image for multi-node groups. */
export const WORKER_IMAGE = 'localhost/batchkit-test:worker';

const IMAGES: readonly (readonly [string, string])[] = [
  [TEST_IMAGE, 'CMD ["echo","from-image-cmd"]'],
  [ENTRYPOINT_IMAGE, 'ENTRYPOINT ["/bin/echo","entrypoint"]'],
  [WORKER_IMAGE, 'ENV ROLE=worker'],
];

/** Applets linked in the image's /bin. */
const APPLETS = ['sh', 'echo', 'cat', 'env', 'sleep', 'id', 'nc', 'head', 'tail', 'touch', 'ls', 'mkdir', 'true', 'false', 'printf', 'hostname', 'grep', 'sort', 'test', 'kill', 'wc', 'sed', 'ip'];

const BUSYBOX = '/bin/busybox';

let ready: string | undefined;

/** Runs podman synchronously, returning its output; throws with its stderr when it fails. */
export function podman(args: string[], input?: Buffer): string {
  const result = spawnSync('podman', args, { input, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    throw new Error(`podman ${args.join(' ')} failed (${result.error?.message ?? `exit code ${result.status}`}): ${result.stderr?.toString().trim()}`);
  }
  return result.stdout.toString();
}

/** Names of the containers (running or not) that carry this label, e.g. `batchkit.job-id=<id>`. */
export function containersLabelled(label: string): string[] {
  return podman(['ps', '-a', '--filter', `label=${label}`, '--format', '{{.Names}}']).split('\n').filter(Boolean);
}

/**
 * Builds the test images if missing and checks that podman runs them; call in `beforeAll`.
 * @throws Error saying what is missing: podman, busybox, or a runtime that can start containers
 */
export function requireContainerRuntime(): void {
  if (ready) {
    return;
  }
  const version = spawnSync('podman', ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(`the container tests need podman, which did not answer (${version.error?.message ?? version.stderr.trim()}): install podman, runc and busybox-static (.ci/run does)`);
  }
  if (!fs.existsSync(BUSYBOX)) {
    throw new Error(`the container tests build their image from a static busybox at ${BUSYBOX}, which is missing: install busybox-static`);
  }
  for (const [image, change] of IMAGES) {
    if (spawnSync('podman', ['image', 'exists', image]).status !== 0) {
      podman(['import', '--change', change, '-', image], rootFilesystemTar());
    }
  }
  const run = spawnSync('podman', ['run', '--rm', '--network', 'none', TEST_IMAGE, 'true'], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error([
      `podman cannot run containers here: \`podman run --rm ${TEST_IMAGE} true\` failed: ${run.stderr.trim()};`,
      'where the OCI runtime refuses to set rlimits (nested sandboxes), point CONTAINERS_CONF at a containers.conf holding',
      '`[containers] default_ulimits = []` and `[engine] runtime = "runc"` (.ci/run does this when needed)',
    ].join(' '));
  }
  ready = version.stdout.trim();
}

/** A tar of `/bin/busybox` with its applet links and the directories a container needs. */
function rootFilesystemTar(): Buffer {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-rootfs-'));
  try {
    for (const dir of ['bin', 'tmp', 'etc', 'proc', 'sys', 'dev', 'root']) {
      fs.mkdirSync(path.join(root, dir));
    }
    fs.copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
    fs.chmodSync(path.join(root, 'bin', 'busybox'), 0o755);
    for (const applet of APPLETS) {
      fs.symlinkSync('busybox', path.join(root, 'bin', applet));
    }
    const tar = spawnSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    if (tar.status !== 0) {
      throw new Error(`tar of the test root filesystem failed: ${tar.stderr.toString()}`);
    }
    return tar.stdout;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

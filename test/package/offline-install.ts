/**
 * Packing this repository and installing the tarball into a fresh project without a network, as
 * the package test needs it.
 *
 * `npm install <tarball>` resolves each new dependency from the registry's full metadata, which
 * npm's cache does not hold offline; `npm ci` installs what a lockfile pins, and the cache holds
 * everything this repository's lockfile pins. So the project gets a
 * lockfile naming the tarball plus the entries of this repository's lockfile that the package's
 * `dependencies` reach, the versions this repository is tested with.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The repository root. */
export const ROOT = path.join(__dirname, '..', '..');

/** What `npm pack --json` reports of a tarball. */
export interface PackedTarball {
  /** Absolute path of the tarball. */
  readonly file: string;
  readonly integrity: string;
  /** Paths inside the package, e.g. `dist/lib/index.js`. */
  readonly files: string[];
}

interface LockEntry {
  readonly version?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly [field: string]: unknown;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly bin?: Record<string, string>;
  readonly engines?: Record<string, string>;
  readonly dependencies: Record<string, string>;
  readonly peerDependencies: Record<string, string>;
}

const repoPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const repoLock = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;

/**
 * Packs the repository's current build (dist/) into `destination`. `prepare` is skipped: `npm
 * test` has just built, and a second full tsc run would take most of the test's time.
 */
export function packInto(destination: string): PackedTarball {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'lib', 'index.js'))) {
    throw new Error(`no build in ${path.join(ROOT, 'dist')}: run \`npm run build\` before packing`);
  }
  const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], { cwd: ROOT, encoding: 'utf8' });
  const [report] = JSON.parse(output) as { filename: string; integrity: string; files: { path: string }[] }[];
  return { file: path.join(destination, report.filename), integrity: report.integrity, files: report.files.map((entry) => entry.path) };
}

/**
 * Creates a project in `projectDir` whose package.json depends on the tarball (and on `extra`,
 * packages of this repository's lockfile a user's project would have anyway, such as
 * `@types/node`), installs it with `npm ci --offline`, then links the peer dependencies from this
 * repository's node_modules, as a user's CDK app already has them (aws-cdk-lib alone would be
 * 140 MB to unpack).
 *
 * Install scripts do not run: better-sqlite3's would build SQLite from source, minutes on two
 * cores; loading its module does not need the build, only opening a database does.
 */
export function installOffline(tarball: PackedTarball, projectDir: string, extra: readonly string[] = []): void {
  fs.mkdirSync(projectDir, { recursive: true });
  const tarballSpec = `file:${path.relative(projectDir, tarball.file)}`;
  const dependencies: Record<string, string> = { [repoPackage.name]: tarballSpec };
  for (const name of extra) {
    dependencies[name] = lockEntry(`node_modules/${name}`, 'the test project').version!;
  }
  const packages: Record<string, unknown> = {
    '': { name: 'project', version: '1.0.0', dependencies },
    [`node_modules/${repoPackage.name}`]: {
      version: repoPackage.version,
      resolved: tarballSpec,
      integrity: tarball.integrity,
      license: repoPackage.license,
      dependencies: repoPackage.dependencies,
      peerDependencies: repoPackage.peerDependencies,
      bin: repoPackage.bin,
      engines: repoPackage.engines,
    },
  };
  for (const location of reachableLockLocations([...Object.keys(repoPackage.dependencies), ...extra])) {
    // Whether a package was a dev dependency of this repository says nothing about the project.
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repoLock[location];
    packages[location] = entry;
  }
  fs.writeFileSync(path.join(projectDir, 'package.json'), `${JSON.stringify({ name: 'project', version: '1.0.0', private: true, dependencies }, null, 2)}\n`);
  fs.writeFileSync(path.join(projectDir, 'package-lock.json'), `${JSON.stringify({ name: 'project', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`);
  // Peer dependencies are left to the links below, so npm is told not to install them itself.
  execFileSync('npm', ['ci', '--offline', '--ignore-scripts', '--legacy-peer-deps', '--no-audit', '--no-fund'], { cwd: projectDir, encoding: 'utf8', stdio: 'pipe' });
  for (const name of Object.keys(repoPackage.peerDependencies)) {
    const link = path.join(projectDir, 'node_modules', name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), link, 'dir');
  }
}

/** Lockfile locations (`node_modules/a/node_modules/b`) of `names` and everything they depend on, resolved as Node resolves them. */
function reachableLockLocations(names: readonly string[]): Set<string> {
  const reached = new Set<string>();
  const pending = names.map((name) => resolveInLock('', name, 'the test project'));
  while (pending.length > 0) {
    const location = pending.pop()!;
    if (reached.has(location)) continue;
    reached.add(location);
    const entry = repoLock[location];
    for (const name of Object.keys(entry.dependencies ?? {})) {
      pending.push(resolveInLock(location, name, location));
    }
    // An optional dependency missing from the lockfile is one npm skipped on this platform.
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      const optional = tryResolveInLock(location, name);
      if (optional !== undefined) pending.push(optional);
    }
  }
  return reached;
}

function resolveInLock(from: string, name: string, requiredBy: string): string {
  const location = tryResolveInLock(from, name);
  if (location === undefined) {
    throw new Error(`package-lock.json has no ${name} that ${requiredBy} can resolve: expected node_modules/${name} at ${from || 'the root'} or above`);
  }
  return location;
}

/** The nearest `node_modules/<name>` at `from` or any directory above it, as `require` looks. */
function tryResolveInLock(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (repoLock[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const parentEnd = base.lastIndexOf('/node_modules/');
    base = parentEnd < 0 ? '' : base.slice(0, parentEnd);
  }
}

function lockEntry(location: string, requiredBy: string): LockEntry {
  const entry = repoLock[location];
  if (entry?.version === undefined) {
    throw new Error(`package-lock.json has no ${location} with a version, which ${requiredBy} needs`);
  }
  return entry;
}

/**
 * The installed package's version, for `batchkit --version`. The CLI runs from `dist/runtime/cli`
 * once built and from `runtime/cli` under ts-node or jest, so package.json is found by walking up
 * to the first one named `batchkit` rather than by a fixed relative path.
 */
import * as fs from 'fs';
import * as path from 'path';

/** The version in batchkit's package.json, or `unknown` when it cannot be found. */
export function packageVersion(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = readManifest(path.join(dir, 'package.json'));
    if (manifest?.name === 'batchkit' && typeof manifest.version === 'string') return manifest.version;
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

function readManifest(file: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined; // no package.json here (or an unreadable one): keep walking up
  }
}

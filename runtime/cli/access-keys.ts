/**
 * The access keys `batchkit local serve` verifies SigV4 signatures with, from the places a
 * secret can be given without every local user seeing it (`ps` shows any process's argv): an
 * environment variable, or a file only its owner can read. `--access-key` still works, with
 * a warning.
 */
import * as fs from 'fs';
import type { SigV4Options } from '../server';
import { CliError, EXIT_USAGE } from './exit-codes';

/** The environment variable holding `id:secret` access keys, comma-separated. */
export const ACCESS_KEYS_VARIABLE = 'BATCHKIT_ACCESS_KEYS';

/** Where access keys may come from, as the user gave them. */
export interface AccessKeySources {
  /** `--access-key` values. */
  readonly flags: readonly string[];
  /** `--access-key-file`. @default - none */
  readonly file?: string;
  /** The environment `BATCHKIT_ACCESS_KEYS` is read from. */
  readonly env: NodeJS.ProcessEnv;
}

/** The keys found, and where. */
export interface ServerAccessKeys {
  /** Every key from every source; empty when none was given. */
  readonly credentials: SigV4Options['credentials'];
  /** The sources that gave keys, as the user would name them, e.g. `--access-key-file keys.txt`. */
  readonly sources: readonly string[];
  /** Advice about how the keys were given, one line each. */
  readonly warnings: readonly string[];
}

type Credential = SigV4Options['credentials'][number];

/** A key id must survive the `Credential=<id>/<date>/...` field of a SigV4 header intact. */
const ACCESS_KEY_ID_PATTERN = /^[^\s/,:]+$/;
/** Group and other permission bits: a key file with any of them set is not private. */
const SHARED_BITS = 0o077;

/** Reads the keys of every source; throws a usage error (exit 2) naming the source of a malformed one. */
export function readAccessKeys(sources: AccessKeySources): ServerAccessKeys {
  const credentials: Credential[] = [];
  const found: string[] = [];
  const warnings: string[] = [];
  const variable = sources.env[ACCESS_KEYS_VARIABLE]?.trim();
  if (variable) {
    credentials.push(...variable.split(',').map((entry, i) => parseKey(entry.trim(), `${ACCESS_KEYS_VARIABLE} entry ${i + 1}`)));
    found.push(ACCESS_KEYS_VARIABLE);
  }
  if (sources.file !== undefined) {
    credentials.push(...readKeyFile(sources.file));
    found.push(`--access-key-file ${sources.file}`);
  }
  if (sources.flags.length > 0) {
    credentials.push(...sources.flags.map((flag) => parseKey(flag, '--access-key')));
    found.push('--access-key');
    warnings.push(`--access-key puts the secret on the command line, where every user of this machine can read it (ps); put the key in a file only you can read and pass --access-key-file FILE, or set ${ACCESS_KEYS_VARIABLE}`);
  }
  return { credentials, sources: found, warnings };
}

/**
 * A key file holds `id:secret` lines; blank lines and `#` comments are skipped. It must be the
 * user's own and closed to group and others, as ssh insists for private keys: a file others can
 * read gives the endpoint away.
 */
function readKeyFile(file: string): Credential[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new CliError(`--access-key-file ${file}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); expected a file of '<access key id>:<secret access key>' lines`, EXIT_USAGE);
  }
  if (!stat.isFile()) {
    throw new CliError(`--access-key-file ${file} is not a file; expected a file of '<access key id>:<secret access key>' lines`, EXIT_USAGE);
  }
  if (process.platform !== 'win32') {
    const uid = process.getuid!();
    if (stat.uid !== uid) {
      throw new CliError(`--access-key-file ${file} is owned by uid ${stat.uid}, not by you (uid ${uid}): another user could change the keys; use a file of your own, with chmod 600 ${file}`, EXIT_USAGE);
    }
    if ((stat.mode & SHARED_BITS) !== 0) {
      const mode = `0${(stat.mode & 0o777).toString(8).padStart(3, '0')}`;
      throw new CliError(`--access-key-file ${file} has mode ${mode}: other users of this machine can read the secrets; run chmod 600 ${file}`, EXIT_USAGE);
    }
  }
  const keys = fs.readFileSync(file, 'utf8').split(/\r?\n/).flatMap((line, i) => {
    const text = line.trim();
    return text === '' || text.startsWith('#') ? [] : [parseKey(text, `--access-key-file ${file} line ${i + 1}`)];
  });
  if (keys.length === 0) {
    throw new CliError(`--access-key-file ${file} holds no access key; expected lines of '<access key id>:<secret access key>'`, EXIT_USAGE);
  }
  return keys;
}

/** `id:secret`; an error shows only the id, never what may be a secret. */
function parseKey(text: string, where: string): Credential {
  const colon = text.indexOf(':');
  const accessKeyId = colon < 0 ? text : text.slice(0, colon);
  if (colon <= 0 || colon === text.length - 1 || !ACCESS_KEY_ID_PATTERN.test(accessKeyId)) {
    const given = colon < 0 ? "a value with no ':'" : `'${accessKeyId}:...'`;
    throw new CliError(`${where} must be '<access key id>:<secret access key>', the id without spaces, slashes or commas, the secret not empty; got ${given}`, EXIT_USAGE);
  }
  return { accessKeyId, secretAccessKey: text.slice(colon + 1) };
}

/** `batchkit --version` through the real binary. */
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, runCli } from './cli-process';

test('--version prints the version of package.json and exits 0', async () => {
  // GIVEN
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  // WHEN
  const long = await runCli(['--version']);
  const short = await runCli(['-V']);
  // THEN
  expect(long).toEqual(expect.objectContaining({ code: 0, stdout: `${version}\n` }));
  expect(short.stdout).toBe(`${version}\n`);
});

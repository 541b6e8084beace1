/**
 * The one table from error codes to exit codes: every typed error the runtime defines has a
 * stable code, the table places each, and the CLI's top level ends a command by it. Errors that
 * are not batchkit's (bugs) are rethrown, never turned into a quiet exit code.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ContainerSpecError } from '../../../runtime/engine/container-spec';
import { EngineConfigurationError } from '../../../runtime/engine/errors';
import { PrivateStateError } from '../../../runtime/files/private-files';
import { CloudAssemblyReadError } from '../../../runtime/inspect/cloud-assembly';
import { DiffInputError } from '../../../runtime/inspect/diff/load-sides';
import { BatchClientException, BatchServerException } from '../../../runtime/model/batch-api';
import { isBatchkitError, type BatchkitError } from '../../../runtime/model/errors';
import { ClientGoneError } from '../../../runtime/server/request-decoding';
import { WireError } from '../../../runtime/server/wire-errors';
import { TemplateChangeRefused } from '../../../runtime/template/apply-template-change';
import { TemplateReadError } from '../../../runtime/template/load-template';
import {
  BatchCallError, ReferenceResolutionError, RunNotFoundError, SubmissionFailedError, TrackDeadlineError, WaitAbortedError,
  WorkflowConfigurationError, WorkflowValidationError,
} from '../../../runtime/workflow/errors';
import {
  CliError, cliOutcomeOf, EXIT_CODE_OF_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, EXIT_WORK_FAILED,
} from '../../../runtime/cli/exit-codes';

const REPO = path.resolve(__dirname, '../../..');

/** One instance of every typed error class, keyed by class name. */
const SAMPLES: Record<string, BatchkitError> = {
  BatchClientException: new BatchClientException('jobQueue is required'),
  BatchServerException: new BatchServerException('store unavailable'),
  PrivateStateError: new PrivateStateError('cannot make /x private', '/x'),
  EngineConfigurationError: new EngineConfigurationError('bad helper'),
  ContainerSpecError: new ContainerSpecError('CannotCreateContainerError: no image'),
  WireError: new WireError(403, 'InvalidSignatureException', 'bad signature'),
  ClientGoneError: new ClientGoneError(),
  TemplateReadError: new TemplateReadError('not JSON', 't.json'),
  TemplateChangeRefused: new TemplateChangeRefused('ResourceType changed'),
  CloudAssemblyReadError: new CloudAssemblyReadError('no manifest.json'),
  DiffInputError: new DiffInputError('two sides expected'),
  WorkflowValidationError: new WorkflowValidationError([{ path: ['steps'], message: 'is empty' }]),
  ReferenceResolutionError: new ReferenceResolutionError("job queue 'q' does not exist"),
  WorkflowConfigurationError: new WorkflowConfigurationError('no client'),
  RunNotFoundError: new RunNotFoundError('run-1', '/j'),
  BatchCallError: new BatchCallError('SubmitJob', 3, true, new Error('socket hang up')),
  WaitAbortedError: new WaitAbortedError('run-1'),
  TrackDeadlineError: new TrackDeadlineError('run-1', 1000, 2),
  SubmissionFailedError: new SubmissionFailedError('run-1', new Error('throttled')),
  CliError: new CliError('unknown step'),
};

/** Names of every class under runtime/ that extends BatchkitError, read from the source. */
function typedErrorClassesInSource(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) {
        for (const m of fs.readFileSync(full, 'utf8').matchAll(/export class (\w+) extends (\w+)/g)) {
          if (m[2] === 'BatchkitError' || m[2] === 'Error') found.push(`${m[1]} extends ${m[2]}`);
        }
      }
    }
  };
  walk(path.join(REPO, 'runtime'));
  return found.sort();
}

describe('typed errors', () => {
  test('every error class under runtime/ extends BatchkitError, and this test has a sample of each', () => {
    const classes = typedErrorClassesInSource();
    expect(classes.filter((c) => c.endsWith('extends Error'))).toEqual([]);
    expect(classes.map((c) => c.split(' ')[0])).toEqual(Object.keys(SAMPLES).sort());
  });

  test('each carries a distinct code that the table places, and says whether a retry can help', () => {
    const codes = Object.values(SAMPLES).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const [name, err] of Object.entries(SAMPLES)) {
      expect({ name, code: err.code, placed: err.code in EXIT_CODE_OF_ERROR }).toEqual({ name, code: expect.stringMatching(/^[A-Z][A-Z_]+$/), placed: true });
      expect(typeof err.retryable).toBe('boolean');
      expect(isBatchkitError(err)).toBe(true);
    }
    // CliError's code follows its exit code, so its second code has no sample of its own.
    expect(Object.keys(EXIT_CODE_OF_ERROR).sort()).toEqual([...codes, 'CLI_WORK_FAILED'].sort());
  });

  test('the table decides the exit code: bad input 2, failed work 1, a stopped wait 130', () => {
    const exitOf = (err: unknown) => cliOutcomeOf(err)?.exitCode;
    expect(exitOf(SAMPLES.WorkflowValidationError)).toBe(EXIT_USAGE);
    expect(exitOf(SAMPLES.ReferenceResolutionError)).toBe(EXIT_USAGE);
    expect(exitOf(SAMPLES.TemplateReadError)).toBe(EXIT_USAGE);
    expect(exitOf(SAMPLES.PrivateStateError)).toBe(EXIT_USAGE);
    expect(exitOf(SAMPLES.CloudAssemblyReadError)).toBe(EXIT_USAGE);
    expect(exitOf(SAMPLES.BatchCallError)).toBe(EXIT_WORK_FAILED);
    expect(exitOf(SAMPLES.SubmissionFailedError)).toBe(EXIT_WORK_FAILED);
    expect(exitOf(new CliError('job failed', EXIT_WORK_FAILED))).toBe(EXIT_WORK_FAILED);
    expect(exitOf(SAMPLES.WaitAbortedError)).toBe(EXIT_INTERRUPTED);
  });

  test('errors that must be handled where they arise, and foreign errors, are bugs: the CLI rethrows them', () => {
    for (const name of ['BatchClientException', 'WireError', 'ClientGoneError', 'ContainerSpecError']) {
      expect({ name, outcome: cliOutcomeOf(SAMPLES[name]) }).toEqual({ name, outcome: undefined });
    }
    expect(cliOutcomeOf(new TypeError("cannot read properties of undefined (reading 'jobId')"))).toBeUndefined();
    // An error that only looks like ours by its name is not ours.
    expect(cliOutcomeOf(Object.assign(new Error('x'), { name: 'WorkflowValidationError', code: 'WORKFLOW_INVALID' }))).toBeUndefined();
  });

  test('the message gets the hint of its code; a failed call for want of credentials says how to pick a target', () => {
    expect(cliOutcomeOf(SAMPLES.BatchCallError)?.message).toBe('SubmitJob failed after 3 attempts: Error: socket hang up; check the target (--local, --endpoint, or AWS credentials and --region)');
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(cliOutcomeOf(new BatchCallError('SubmitJob', 1, false, noCredentials))?.message).toMatch(/; no AWS credentials were found: for the local engine add --local/);
    expect(cliOutcomeOf(SAMPLES.EngineConfigurationError)?.message).toBe('the local engine cannot start: bad helper');
  });

  test('an error from another copy of the module is recognised by its brand', () => {
    let foreign: unknown;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const copy = require('../../../runtime/workflow/errors') as typeof import('../../../runtime/workflow/errors');
      foreign = new copy.RunNotFoundError('run-9', '/j');
    });
    expect(foreign).not.toBeInstanceOf(RunNotFoundError);
    expect(cliOutcomeOf(foreign)).toEqual({ message: "no run 'run-9' in journal /j", exitCode: EXIT_USAGE });
  });
});

/**
 * A `BatchApi` for wire-layer tests: it records the input each operation receives and answers
 * with what the test queued, so tests can see exactly what the server passes on. Tests of
 * Batch behaviour use the real `LocalBatchEngine` instead.
 */
import type { BatchApi, BatchOperationName } from '../../../runtime/model/batch-api';

/** One call the server made. */
export interface RecordedCall {
  readonly operation: BatchOperationName;
  readonly input: unknown;
}

/** A recording `BatchApi` and the calls it saw. */
export interface RecordingApi {
  readonly api: BatchApi;
  readonly calls: RecordedCall[];
  /** The next call of `operation` answers with `answer` (or throws it, if it is an Error). */
  answerNext(operation: BatchOperationName, answer: unknown): void;
}

/** Creates a recording api whose operations answer `{}` unless told otherwise. */
export function recordingApi(): RecordingApi {
  const calls: RecordedCall[] = [];
  const answers = new Map<string, unknown[]>();
  const api = new Proxy({} as BatchApi, {
    get: (_target, property) => async (input: unknown) => {
      const operation = property as BatchOperationName;
      calls.push({ operation, input });
      const answer = answers.get(operation)?.shift();
      if (answer instanceof Error) throw answer;
      return answer ?? {};
    },
  });
  return {
    api,
    calls,
    answerNext: (operation, answer) => {
      answers.set(operation, [...(answers.get(operation) ?? []), answer]);
    },
  };
}

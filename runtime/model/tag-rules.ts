/**
 * The tag limits AWS Batch applies to every taggable resource and job: at most 50 tags, keys of
 * 1 to 128 characters, values of at most 256.
 */

/** Most tags one resource or job may carry. */
export const MAX_TAGS = 50;
/** Most characters of a tag key (at least one). */
export const MAX_TAG_KEY_LENGTH = 128;
/** Most characters of a tag value (it may be empty). */
export const MAX_TAG_VALUE_LENGTH = 256;

/** Why Batch refuses this tag, completing "tag <key> ...", or `undefined` when it accepts it. */
export function tagProblem(key: string, value: unknown): string | undefined {
  if (key.length === 0 || key.length > MAX_TAG_KEY_LENGTH || typeof value !== 'string' || value.length > MAX_TAG_VALUE_LENGTH) {
    return `is invalid: expected a key of 1 to ${MAX_TAG_KEY_LENGTH} characters and a string value of at most ${MAX_TAG_VALUE_LENGTH}`;
  }
  return undefined;
}

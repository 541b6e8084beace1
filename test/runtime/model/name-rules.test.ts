import { MAX_BATCH_NAME_LENGTH, batchNameProblem } from '../../../runtime/model/name-rules';

describe('batchNameProblem', () => {
  test.each(['etl', 'Etl-2', 'a_b-c', '9lives', 'x'.repeat(MAX_BATCH_NAME_LENGTH)])('accepts %s', (name) => {
    expect(batchNameProblem(name)).toBeUndefined();
  });

  test.each([
    ['nightly etl', "has name 'nightly etl' but expected 1 to 128 characters, starting with a letter or digit, then letters, digits, hyphens or underscores"],
    ['etl!', "has name 'etl!' but expected"],
    ['-etl', "has name '-etl' but expected"],
    ['', "has name '' but expected"],
    ['x'.repeat(129), '(129 characters) but expected 1 to 128 characters'],
  ])('fails when the name is %j', (name, expected) => {
    expect(batchNameProblem(name)).toContain(expected);
  });
});

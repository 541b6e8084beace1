import { matchesLogFilter } from './monitoring-log-filter';

// The evaluator decides what the metric-filter tests conclude, so it is checked against the
// CloudWatch Logs filter syntax it claims to cover.
describe('matchesLogFilter', () => {
  const event = { 'source': 'aws.batch', 'detail-type': 'Batch Job State Change', 'detail': { status: 'FAILED', attempts: 2, arrayProperties: { index: 0 } } };

  test('string equality, and "*" for any value present', () => {
    expect(matchesLogFilter('{ ($.detail-type = "Batch Job State Change") }', event)).toBe(true);
    expect(matchesLogFilter('{ ($.detail.status = "SUCCEEDED") }', event)).toBe(false);
    expect(matchesLogFilter('{ ($.detail.status = "*") }', event)).toBe(true);
    expect(matchesLogFilter('{ ($.detail.jobQueue = "*") }', event)).toBe(false);
  });

  test('NOT EXISTS and numeric comparisons', () => {
    expect(matchesLogFilter('{ ($.detail.arrayProperties.size NOT EXISTS) }', event)).toBe(true);
    expect(matchesLogFilter('{ ($.detail.arrayProperties.index NOT EXISTS) }', event)).toBe(false);
    expect(matchesLogFilter('{ ($.detail.arrayProperties.index >= 0) }', event)).toBe(true);
    expect(matchesLogFilter('{ ($.detail.attempts > 2) }', event)).toBe(false);
    expect(matchesLogFilter('{ ($.detail.status >= 0) }', event)).toBe(false);
  });

  test('&& needs every term, || any, nested by parentheses', () => {
    expect(matchesLogFilter('{ ($.source = "aws.batch") && ($.detail.status = "FAILED") }', event)).toBe(true);
    expect(matchesLogFilter('{ ($.source = "aws.batch") && ($.detail.status = "RUNNING") }', event)).toBe(false);
    expect(matchesLogFilter('{ ($.source = "x") && (($.detail.status = "FAILED") || ($.detail.attempts = 2)) }', event)).toBe(false);
    expect(matchesLogFilter('{ ($.source = "aws.batch") && (($.detail.status = "RUNNING") || ($.detail.attempts = 2)) }', event)).toBe(true);
  });

  test('fails on syntax outside the subset', () => {
    expect(() => matchesLogFilter('ERROR', event)).toThrow(/not a JSON filter pattern/);
    expect(() => matchesLogFilter('{ ($.a = 1) && ($.b = 2) || ($.c = 3) }', event)).toThrow(/mixed && and \|\|/);
    expect(() => matchesLogFilter('{ ($.detail.status IS NULL) }', event)).toThrow(/unsupported filter term/);
  });
});

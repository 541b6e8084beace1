import { resolveIntrinsics, type IntrinsicResolver } from '../../../runtime/template/intrinsics';

function resolverWith(values: Record<string, unknown>, conditions: Record<string, boolean> = {}): IntrinsicResolver & { reports: string[] } {
  const reports: string[] = [];
  return {
    reports,
    region: 'eu-west-1',
    ref: (id) => values[id] ?? `ref:${id}`,
    getAtt: (id, attr) => values[`${id}.${attr}`] ?? `att:${id}.${attr}`,
    condition: (name) => conditions[name] ?? false,
    report: (path, message) => reports.push(`${path}: ${message}`),
  };
}

describe('resolveIntrinsics', () => {
  test('resolves Ref and Fn::GetAtt in both forms', () => {
    // GIVEN
    const resolver = resolverWith({ Role: 'my-role', 'Role.Arn': 'arn:role' });
    // WHEN
    const out = resolveIntrinsics({ A: { Ref: 'Role' }, B: { 'Fn::GetAtt': ['Role', 'Arn'] }, C: { 'Fn::GetAtt': 'Role.Arn' } }, resolver, '');
    // THEN
    expect(out).toEqual({ A: 'my-role', B: 'arn:role', C: 'arn:role' });
  });

  test('resolves Fn::Join, Fn::Select and Fn::Split, nested', () => {
    // GIVEN
    const resolver = resolverWith({ 'AWS::Region': 'eu-west-1' });
    // WHEN
    const out = resolveIntrinsics({
      'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, { 'Fn::Select': [1, { 'Fn::Split': [',', 'a,b,c'] }] }]],
    }, resolver, 'X');
    // THEN
    expect(out).toBe('eu-west-1-b');
  });

  test('resolves Fn::Sub with references, attributes, variables and escaped literals', () => {
    // GIVEN
    const resolver = resolverWith({ 'AWS::AccountId': '111122223333', 'Repo.RepositoryUri': 'uri' });
    // WHEN
    const out = resolveIntrinsics({ 'Fn::Sub': ['${AWS::AccountId}/${Repo.RepositoryUri}/${Tag}/${!Literal}', { Tag: { Ref: 'AWS::AccountId' } }] }, resolver, '');
    // THEN
    expect(out).toBe('111122223333/uri/111122223333/${Literal}');
  });

  test('removes properties set to AWS::NoValue and list entries alike', () => {
    // WHEN
    const out = resolveIntrinsics({ Keep: 1, Drop: { Ref: 'AWS::NoValue' }, List: ['a', { Ref: 'AWS::NoValue' }] }, resolverWith({}), '');
    // THEN
    expect(out).toEqual({ Keep: 1, List: ['a'] });
  });

  test('chooses the Fn::If branch by the condition', () => {
    // GIVEN
    const resolver = resolverWith({}, { IsProd: true });
    // WHEN
    const out = resolveIntrinsics({ P: { 'Fn::If': ['IsProd', 'big', 'small'] }, Q: { 'Fn::If': ['IsTest', 'x', { Ref: 'AWS::NoValue' }] } }, resolver, '');
    // THEN
    expect(out).toEqual({ P: 'big' });
  });

  test('reports an unsupported function with its property path and leaves the property out', () => {
    // GIVEN
    const resolver = resolverWith({});
    // WHEN
    const out = resolveIntrinsics({ Props: { Image: { 'Fn::ImportValue': 'Shared-Image' } } }, resolver, '');
    // THEN
    expect(out).toEqual({ Props: {} });
    expect(resolver.reports).toEqual(['Props.Image: Fn::ImportValue is not supported by the template loader; the property is left out']);
  });

  test('reports a function given the wrong number of arguments', () => {
    // GIVEN
    const resolver = resolverWith({});
    // WHEN
    const out = resolveIntrinsics({ J: { 'Fn::Join': ['-'] } }, resolver, '');
    // THEN
    expect(out).toEqual({});
    expect(resolver.reports).toEqual(['J: Fn::Join takes a list of 2 arguments; got ["-"]']);
  });

  test('Fn::GetAZs lists zones of the region', () => {
    expect(resolveIntrinsics({ 'Fn::GetAZs': '' }, resolverWith({}), '')).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  test('keeps plain values as they are', () => {
    expect(resolveIntrinsics({ a: [1, true, null, 'x'] }, resolverWith({}), '')).toEqual({ a: [1, true, null, 'x'] });
  });
});

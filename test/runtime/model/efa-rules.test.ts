import { EFA_SIZES_BY_FAMILY, efaInstanceFindings, efaSupport } from '../../../runtime/model/efa-rules';
import { findInstanceType } from '../../../runtime/model/instance-catalog';

describe('EFA support of instance types', () => {
  test.each([['c5n.18xlarge', 'yes'], ['p4d.24xlarge', 'yes'], ['hpc7g.16xlarge', 'yes'], ['c5n.9xlarge', 'no'], ['m6i.large', 'no'], ['t3.micro', 'unknown'], ['nonsense', 'unknown']])(
    '%s: %s', (type, support) => {
      expect(efaSupport(type)).toBe(support);
    });

  test('lists only sizes the instance catalog knows, or sizes of families it does not carry', () => {
    const unknown = Object.entries(EFA_SIZES_BY_FAMILY).flatMap(([family, sizes]) => {
      const known = sizes.filter((size) => findInstanceType(`${family}.${size}`));
      // A family the catalog carries must have every listed size in it: a typo would otherwise hide.
      return known.length === 0 ? [] : sizes.filter((size) => !findInstanceType(`${family}.${size}`)).map((size) => `${family}.${size}`);
    });
    expect(unknown).toEqual([]);
  });

  test('judges a container with EFA devices and passes one without', () => {
    expect(efaInstanceFindings([], 'm6i.large')).toEqual({ errors: [], warnings: [] });
    expect(efaInstanceFindings(['/dev/infiniband/uverbs0'], 'c6in.32xlarge')).toEqual({ errors: [], warnings: [] });
    expect(efaInstanceFindings(['/dev/infiniband/uverbs0'], 'c6in.xlarge').errors)
      .toEqual(['exposes EFA device(s) /dev/infiniband/uverbs0 but instance type c6in.xlarge has no EFA (in its family: c6in.32xlarge, c6in.metal)']);
    expect(efaInstanceFindings(['/dev/infiniband/uverbs0'], 'x1.32xlarge').warnings).toHaveLength(1);
  });
});

/**
 * Which EC2 instance types have an Elastic Fabric Adapter (EFA), the network interface MPI and
 * NCCL jobs use across nodes. A container that exposes EFA devices (`/dev/infiniband/uverbs*`)
 * only starts on an instance that has them. EC2 offers EFA on the largest sizes (and metal) of
 * its network-optimised, HPC, accelerated and newest general-purpose families; the list below
 * names them per family, so a size of a listed family that is missing has no EFA, and a family
 * that is not listed cannot be judged.
 */

/** EFA-capable sizes of each instance family that has any, from EC2's "Supported instance types" for EFA. */
export const EFA_SIZES_BY_FAMILY: Readonly<Record<string, readonly string[]>> = {
  c5n: ['18xlarge', 'metal'],
  c6a: ['48xlarge', 'metal'],
  c6gn: ['16xlarge'],
  c6i: ['32xlarge', 'metal'],
  c6id: ['32xlarge', 'metal'],
  c6in: ['32xlarge', 'metal'],
  c7a: ['48xlarge', 'metal-48xl'],
  c7g: ['16xlarge', 'metal'],
  c7gd: ['16xlarge', 'metal'],
  c7gn: ['16xlarge', 'metal'],
  c7i: ['48xlarge', 'metal-48xl'],
  dl1: ['24xlarge'],
  g4dn: ['8xlarge', '12xlarge', '16xlarge', 'metal'],
  g5: ['8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6: ['8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  g6e: ['8xlarge', '12xlarge', '16xlarge', '24xlarge', '48xlarge'],
  hpc6a: ['48xlarge'],
  hpc6id: ['32xlarge'],
  hpc7a: ['12xlarge', '24xlarge', '48xlarge', '96xlarge'],
  hpc7g: ['4xlarge', '8xlarge', '16xlarge'],
  i3en: ['12xlarge', '24xlarge', 'metal'],
  i4i: ['32xlarge', 'metal'],
  im4gn: ['16xlarge'],
  inf1: ['24xlarge'],
  inf2: ['48xlarge'],
  m5dn: ['24xlarge', 'metal'],
  m5n: ['24xlarge', 'metal'],
  m5zn: ['12xlarge', 'metal'],
  m6a: ['48xlarge', 'metal'],
  m6i: ['32xlarge', 'metal'],
  m6id: ['32xlarge', 'metal'],
  m6idn: ['32xlarge', 'metal'],
  m6in: ['32xlarge', 'metal'],
  m7a: ['48xlarge', 'metal-48xl'],
  m7g: ['16xlarge', 'metal'],
  m7gd: ['16xlarge', 'metal'],
  m7i: ['48xlarge', 'metal-48xl'],
  p3dn: ['24xlarge'],
  p4d: ['24xlarge'],
  p4de: ['24xlarge'],
  p5: ['48xlarge'],
  p5e: ['48xlarge'],
  p5en: ['48xlarge'],
  r5dn: ['24xlarge', 'metal'],
  r5n: ['24xlarge', 'metal'],
  r6a: ['48xlarge', 'metal'],
  r6i: ['32xlarge', 'metal'],
  r6id: ['32xlarge', 'metal'],
  r6idn: ['32xlarge', 'metal'],
  r6in: ['32xlarge', 'metal'],
  r7a: ['48xlarge', 'metal-48xl'],
  r7g: ['16xlarge', 'metal'],
  r7gd: ['16xlarge', 'metal'],
  r7i: ['48xlarge', 'metal-48xl'],
  r7iz: ['32xlarge', 'metal-32xl'],
  trn1: ['32xlarge'],
  trn1n: ['32xlarge'],
  trn2: ['48xlarge'],
  vt1: ['24xlarge'],
  x2idn: ['32xlarge', 'metal'],
  x2iedn: ['32xlarge', 'metal'],
  x2iezn: ['12xlarge', 'metal'],
};

/** Whether `instanceType` has EFA: `yes`, `no`, or `unknown` when its family is not in {@link EFA_SIZES_BY_FAMILY}. */
export function efaSupport(instanceType: string): 'yes' | 'no' | 'unknown' {
  const dot = instanceType.indexOf('.');
  if (dot < 0) return 'unknown';
  const sizes = EFA_SIZES_BY_FAMILY[instanceType.slice(0, dot)];
  if (!sizes) return 'unknown';
  return sizes.includes(instanceType.slice(dot + 1)) ? 'yes' : 'no';
}

/** The EFA-capable sizes of `instanceType`'s family, as full names (empty when it has none or is unknown). */
export function efaSizesOfFamily(instanceType: string): string[] {
  const family = instanceType.slice(0, Math.max(0, instanceType.indexOf('.')));
  return (EFA_SIZES_BY_FAMILY[family] ?? []).map((size) => `${family}.${size}`);
}

/** Verdict on a container exposing `efaDevices` on `instanceType`: an error, a warning when the type cannot be judged, or neither. */
export function efaInstanceFindings(efaDevices: readonly string[], instanceType: string): { errors: string[]; warnings: string[] } {
  if (efaDevices.length === 0) return { errors: [], warnings: [] };
  const devices = efaDevices.join(', ');
  switch (efaSupport(instanceType)) {
    case 'yes':
      return { errors: [], warnings: [] };
    case 'no': {
      const capable = efaSizesOfFamily(instanceType).join(', ');
      return { errors: [`exposes EFA device(s) ${devices} but instance type ${instanceType} has no EFA (in its family: ${capable})`], warnings: [] };
    }
    default:
      return { errors: [], warnings: [`exposes EFA device(s) ${devices} on instance type ${instanceType}, which batchkit's list of EFA-capable instance types does not cover: check that it has EFA`] };
  }
}

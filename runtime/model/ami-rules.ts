/**
 * What the architecture of a compute environment's image is, when it can be told, and whether
 * its instance types can boot it. An instance of one architecture cannot boot an image built for
 * the other, so a mismatch leaves the compute environment without instances. The architecture of
 * an AMI given by id is not known at synth; AWS's public SSM parameters name it in their path.
 */
import type { CpuArchitecture } from './instance-catalog';

// AWS's optimized-AMI parameters without an architecture segment hold x86_64 images (plain, GPU, Inferentia).
const X86_DEFAULT_PREFIXES = ['/aws/service/ecs/optimized-ami/', '/aws/service/eks/optimized-ami/', '/aws/service/bottlerocket/', '/aws/service/ami-windows-latest/'];

/** The architecture of the image an SSM parameter names (e.g. `/aws/service/ecs/optimized-ami/amazon-linux-2/arm64/...`); `undefined` when it cannot be told. */
export function imageArchitectureFromParameter(parameterName: string): CpuArchitecture | undefined {
  const segments = parameterName.toLowerCase().split(/[/_.-]/);
  if (segments.includes('arm64') || segments.includes('aarch64')) return 'arm64';
  if (/(^|[/_.-])x86[_-]64([/_.-]|$)/.test(parameterName.toLowerCase())) return 'x86_64';
  return X86_DEFAULT_PREFIXES.some((prefix) => parameterName.startsWith(prefix)) ? 'x86_64' : undefined;
}

/**
 * Why instances offering `offered` architectures cannot boot an image of `imageArchitecture`,
 * completing "<compute environment> ..."; `undefined` when they all can.
 */
export function imageArchitectureProblem(image: string, imageArchitecture: CpuArchitecture, offered: readonly CpuArchitecture[]): string | undefined {
  const others = offered.filter((a) => a !== imageArchitecture);
  if (others.length === 0) return undefined;
  return `uses image ${image} built for ${imageArchitecture} but its instance types offer ${[...offered].sort().join(' and ')}: `
    + `give an ${imageArchitecture} image, or instance types of ${imageArchitecture} only`;
}

/**
 * The Docker image assets of a cloud assembly (`<Stack>.assets.json` in cdk.out, its
 * `dockerImages` section): where each image's build context is, how it is built, and the ECR
 * image URI a template refers to it by once published.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { PlaceholderScope } from './placeholders';

/** How the CDK says one image asset is built (`source` of a `dockerImages` entry). */
export interface DockerImageAssetSource {
  /** Build context, relative to the manifest's directory. @default - none: the asset is made by `executable` */
  readonly directory?: string;
  /** A command printing the name of an image it made. @default - none: the asset is built from `directory` */
  readonly executable?: string[];
  /** Dockerfile, relative to the build context. @default 'Dockerfile' */
  readonly dockerFile?: string;
  /** `--build-arg` values. @default - none */
  readonly dockerBuildArgs?: Record<string, string>;
  /** `--target` stage. @default - the last stage */
  readonly dockerBuildTarget?: string;
  /** `--secret` values, as `cdk-assets` passes them (`id=<key>,<value>`). @default - none */
  readonly dockerBuildSecrets?: Record<string, string>;
  /** `--build-context` values. @default - none */
  readonly dockerBuildContexts?: Record<string, string>;
  /** `--ssh` value. @default - none */
  readonly dockerBuildSsh?: string;
  /** `--network` of the build's RUN steps. @default - the runtime's default */
  readonly networkMode?: string;
  /** `--platform`. @default - this machine's */
  readonly platform?: string;
  /** `--no-cache` when true. @default false */
  readonly cacheDisabled?: boolean;
}

/** One Docker image asset of the manifest. */
export interface DockerImageAsset {
  /** Its key in `dockerImages`: the asset hash. */
  readonly assetId: string;
  /** Absolute path of the manifest it comes from. */
  readonly manifestFile: string;
  /** How it is built. */
  readonly source: DockerImageAssetSource;
  /** `<repository>:<tag>` of each destination, with the account, region and partition filled in. */
  readonly repositoryTags: readonly string[];
}

/** The manifest's Docker image assets, or why it could not be read. */
export type AssetManifestRead = { readonly assets: readonly DockerImageAsset[] } | { readonly problem: string };

/**
 * The asset manifest CDK writes beside a stack's template: `cdk.out/<Stack>.template.json` has
 * `cdk.out/<Stack>.assets.json` (both named after the stack's artifact id).
 */
export function assetManifestBeside(templateFile: string): string {
  return join(dirname(resolve(templateFile)), `${basename(templateFile).replace(/\.template\.json$|\.json$/, '')}.assets.json`);
}

/** Reads the Docker image assets of a manifest; a missing file has none (a stack without assets has no manifest entries to read). */
export function readAssetManifest(file: string, scope: PlaceholderScope): AssetManifestRead {
  const manifestFile = resolve(file);
  if (!existsSync(manifestFile)) {
    return { assets: [] };
  }
  let parsed: { dockerImages?: Record<string, { source?: DockerImageAssetSource; destinations?: Record<string, { repositoryName?: string; imageTag?: string }> }> };
  try {
    parsed = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch (err) {
    return { problem: `asset manifest ${manifestFile} cannot be read (${(err as Error).message}); expected the <Stack>.assets.json cdk synth writes` };
  }
  const assets = Object.entries(parsed?.dockerImages ?? {}).map(([assetId, entry]): DockerImageAsset => ({
    assetId,
    manifestFile,
    source: entry.source ?? {},
    repositoryTags: Object.values(entry.destinations ?? {})
      .filter((d) => typeof d.repositoryName === 'string' && typeof d.imageTag === 'string')
      .map((d) => `${fillPseudoParameters(d.repositoryName!, scope)}:${d.imageTag}`),
  }));
  return { assets };
}

/** The asset an image URI was published as (`<registry>/<repository>:<tag>`), if any. */
export function assetOfImage(image: string, assets: readonly DockerImageAsset[]): DockerImageAsset | undefined {
  return assets.find((asset) => asset.repositoryTags.some((repositoryTag) => image.endsWith(`/${repositoryTag}`)));
}

/** Whether an image URI looks like one of the CDK bootstrap's container asset repositories. */
export function looksLikeAssetImage(image: string): boolean {
  return /\.dkr\.ecr\.[^/]+\/cdk-[^/]*container-assets-[^/]*:[0-9a-f]{64}$/.test(image);
}

function fillPseudoParameters(text: string, scope: PlaceholderScope): string {
  return text
    .replace(/\$\{AWS::AccountId\}/g, scope.accountId)
    .replace(/\$\{AWS::Region\}/g, scope.region)
    .replace(/\$\{AWS::Partition\}/g, scope.partition);
}

/**
 * Images of CDK Docker image assets (`ContainerImage.fromAsset`), built locally. A synthesized
 * job definition names such an image by the ECR URI it will have once `cdk deploy` publishes it,
 * which nothing local can pull; the asset manifest in cdk.out says where its build context is.
 * Each asset is built once with the container runtime that runs the jobs, tagged
 * `localhost/batchkit-cdk-asset:<asset hash>`, and job definitions are registered with that tag.
 * The hash covers the context and the build settings, so an existing tag is reused as is.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { assetOfImage, looksLikeAssetImage, readAssetManifest, type DockerImageAsset, type DockerImageAssetSource } from './asset-manifest';
import type { PlaceholderScope } from './placeholders';

/** The container CLI calls asset builds need: the docker or podman that runs the jobs. */
export interface ImageBuildCli {
  /** Which runtime it is: they spell "use the local base image, pull only a missing one" differently. */
  readonly kind: 'docker' | 'podman';
  /** Runs the CLI with `args` in `cwd`, capturing its output; never rejects (`code` undefined: it could not run). */
  run(args: readonly string[], cwd: string): Promise<{ readonly code?: number; readonly stdout: string; readonly stderr: string }>;
}

/** How {@link loadTemplate} builds CDK asset images. */
export interface AssetImageOptions {
  /** The container CLI that builds them. */
  readonly cli: ImageBuildCli;
  /**
   * The cloud assembly's asset manifest.
   * @default - `<Stack>.assets.json` beside the template file; none for a template object
   */
  readonly manifestFile?: string;
  /**
   * Receives a line before each build starts and after it ends (builds take seconds to minutes).
   * @default - nothing is reported
   */
  readonly progress?: (line: string) => void;
}

/** An asset image the load uses, and whether it was built now. */
export interface AssetImage {
  /** The asset hash (its key in the manifest's `dockerImages`). */
  readonly assetId: string;
  /** Absolute path of its build context. */
  readonly directory: string;
  /** The local tag job definitions are registered with. */
  readonly image: string;
  /** `built` by this load, or `present`: an image with that tag existed already. */
  readonly status: 'built' | 'present';
}

/** Reports a finding about the property at `property` of the job definition being loaded. */
export type AssetImageFindingReporter = (level: 'error' | 'warning', property: string, message: string) => void;

/** The repository of local asset images; the tag is the asset hash. */
export const ASSET_IMAGE_REPOSITORY = 'localhost/batchkit-cdk-asset';
/** Lines of a failed build's output quoted in its finding. */
const QUOTED_OUTPUT_LINES = 8;

/** Builds the asset images a template's job definitions use, each at most once. */
export class AssetImageBuilds {
  /** The asset images used so far, in the order first used. */
  public readonly images: AssetImage[] = [];
  private readonly assets: readonly DockerImageAsset[];
  private readonly manifestProblem?: string;
  private readonly builds = new Map<string, Promise<AssetImage | { failure: string }>>();

  constructor(private readonly options: AssetImageOptions, manifestFile: string | undefined, scope: PlaceholderScope) {
    const read = manifestFile === undefined ? { assets: [] } : readAssetManifest(manifestFile, scope);
    this.assets = 'assets' in read ? read.assets : [];
    this.manifestProblem = 'problem' in read ? read.problem : undefined;
  }

  /**
   * Replaces every asset image of a job definition request (`image` of its containers, node
   * ranges and tasks) by its local tag, building it first if needed.
   * @returns false when an image could not be built: the job definition must not be created
   */
  public async localizeImages(request: Record<string, unknown>, report: AssetImageFindingReporter): Promise<boolean> {
    let usable = true;
    for (const { holder, path } of imageHolders(request, '')) {
      const image = holder.image as string;
      const asset = assetOfImage(image, this.assets);
      if (!asset) {
        if (looksLikeAssetImage(image)) {
          report('warning', path, `image ${image} looks like a CDK asset image, but ${this.manifestProblem ?? 'no asset manifest beside the template lists it'}; it is registered as written, and a container of it will fail to pull`);
        }
        continue;
      }
      const built = await this.imageOf(asset);
      if ('failure' in built) {
        report('error', path, built.failure);
        usable = false;
      } else {
        holder.image = built.image;
      }
    }
    return usable;
  }

  private imageOf(asset: DockerImageAsset): Promise<AssetImage | { failure: string }> {
    let build = this.builds.get(asset.assetId);
    if (!build) {
      build = this.build(asset).then((result) => {
        if (!('failure' in result)) this.images.push(result);
        return result;
      });
      this.builds.set(asset.assetId, build);
    }
    return build;
  }

  private async build(asset: DockerImageAsset): Promise<AssetImage | { failure: string }> {
    const { source } = asset;
    const what = `image of CDK asset ${asset.assetId}`;
    if (source.directory === undefined) {
      return { failure: `${what} is made by a command (${JSON.stringify(source.executable ?? [])}); the local engine builds only assets with a build directory` };
    }
    const directory = resolve(asset.manifestFile, '..', source.directory);
    if (!existsSync(directory)) {
      return { failure: `${what} cannot be built: its build directory ${directory} is missing; expected it in the cloud assembly (synthesize the app again)` };
    }
    const image = `${ASSET_IMAGE_REPOSITORY}:${asset.assetId}`;
    const { cli } = this.options;
    const present = await cli.run(['image', 'inspect', '--format', '{{.Id}}', image], directory);
    if (present.code === 0) {
      this.options.progress?.(`image ${image} of asset ${asset.assetId} was built before (same asset hash): reused`);
      return { assetId: asset.assetId, directory, image, status: 'present' };
    }
    this.options.progress?.(`building image for asset ${asset.assetId} from ${shownPath(directory)} ...`);
    const started = Date.now();
    const result = await cli.run(buildArgs(cli.kind, image, directory, source), directory);
    if (result.code !== 0) {
      const output = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-QUOTED_OUTPUT_LINES);
      return { failure: `${what} could not be built from ${shownPath(directory)} (${cli.kind} build exited with ${result.code ?? 'no exit code'}): ${output.join(' | ') || 'no output'}` };
    }
    this.options.progress?.(`built ${image} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { assetId: asset.assetId, directory, image, status: 'built' };
  }
}

/**
 * `build` arguments for an asset, with what `cdk-assets` passes when it publishes it. The base
 * image is used if present and pulled only when missing, so a machine without a registry builds
 * from what it has: docker does that unless `--pull` (always) is set, podman with `--pull=missing`.
 * Cache import/export and `--output` settings are for publishing pipelines and are left out.
 */
export function buildArgs(kind: ImageBuildCli['kind'], image: string, directory: string, source: DockerImageAssetSource): string[] {
  const pairs = (flag: string, values: Record<string, string> | undefined, format: (key: string, value: string) => string): string[] =>
    Object.entries(values ?? {}).flatMap(([key, value]) => [flag, format(key, value)]);
  return [
    'build',
    '--tag', image,
    '--file', join(directory, source.dockerFile ?? 'Dockerfile'),
    kind === 'podman' ? '--pull=missing' : '--pull=false',
    ...pairs('--build-arg', source.dockerBuildArgs, (key, value) => `${key}=${value}`),
    ...pairs('--secret', source.dockerBuildSecrets, (key, value) => `id=${key},${value}`),
    ...pairs('--build-context', source.dockerBuildContexts, (key, value) => `${key}=${value}`),
    ...(source.dockerBuildSsh ? ['--ssh', source.dockerBuildSsh] : []),
    ...(source.dockerBuildTarget ? ['--target', source.dockerBuildTarget] : []),
    ...(source.networkMode ? ['--network', source.networkMode] : []),
    ...(source.platform ? ['--platform', source.platform] : []),
    ...(source.cacheDisabled ? ['--no-cache'] : []),
    directory,
  ];
}

/** Every object with a string `image` in a job definition request, with its property path in the template's spelling. */
function imageHolders(value: unknown, path: string): { holder: Record<string, unknown>; path: string }[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => imageHolders(item, `${path}[${index}]`));
  }
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  const holder = value as Record<string, unknown>;
  return Object.entries(holder).flatMap(([key, member]) => {
    const memberPath = `${path === '' ? '' : `${path}.`}${key.charAt(0).toUpperCase()}${key.slice(1)}`;
    return key === 'image' && typeof member === 'string' ? [{ holder, path: memberPath }] : imageHolders(member, memberPath);
  });
}

/** Relative to the current directory when inside it (`cdk.out/asset.<hash>`), absolute otherwise. */
function shownPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown && !shown.startsWith('..') && !isAbsolute(shown) ? shown : file;
}

/**
 * Reads a synthesized CDK app (`cdk.out/`): its stacks, their templates and the messages the
 * constructs attached at synth (batchkit's check warnings among them). Plain JSON reading: the
 * runtime never loads aws-cdk-lib.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BatchkitError } from '../model/errors';
import type { CfnTemplate } from '../model/cfn-template';

/** Codes of the inspect layer's errors. */
export type InspectErrorCode = 'CLOUD_ASSEMBLY_UNREADABLE' | 'DIFF_INPUT_INVALID';

export type { CfnTemplate, TemplateResource } from '../model/cfn-template';

/** A message a construct attached at synth (`Annotations.of(x).addWarning(...)` and friends). */
export interface SynthMessage {
  readonly level: 'error' | 'warning' | 'info';
  /** Construct path, e.g. `/BatchkitExample/Gpu`. */
  readonly path: string;
  readonly message: string;
}

/** One stack of the assembly. */
export interface AssemblyStack {
  readonly stackName: string;
  readonly templatePath: string;
  readonly template: CfnTemplate;
  readonly messages: SynthMessage[];
}

/** Thrown when a directory is not a readable cloud assembly; the message says what is missing. */
export class CloudAssemblyReadError extends BatchkitError {
  public readonly name = 'CloudAssemblyReadError';
  public readonly code: InspectErrorCode = 'CLOUD_ASSEMBLY_UNREADABLE';
  /** The assembly must change first. */
  public readonly retryable = false;
}

interface ManifestArtifact {
  readonly type: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
  readonly metadata?: Record<string, MetadataEntry[]>;
  readonly additionalMetadataFile?: string;
  readonly displayName?: string;
}

interface MetadataEntry {
  readonly type: string;
  readonly data?: unknown;
}

const LEVELS: Record<string, SynthMessage['level']> = {
  'aws:cdk:error': 'error',
  'aws:cdk:warning': 'warning',
  'aws:cdk:info': 'info',
};

/** Reads every stack of the cloud assembly in `dir` (nested assemblies of stages included). */
export function readCloudAssembly(dir: string): AssemblyStack[] {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new CloudAssemblyReadError(`${dir} is not a synthesized CDK app: ${manifestPath} is missing (run \`cdk synth\` or \`npm run synth\` first)`);
  }
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(manifestPath);
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties && 'directoryName' in artifact.properties) {
      stacks.push(...readCloudAssembly(path.join(dir, String((artifact.properties as { directoryName: string }).directoryName))));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
    const templatePath = path.join(dir, artifact.properties.templateFile);
    stacks.push({
      stackName: artifact.properties.stackName ?? id,
      templatePath,
      template: readJson<CfnTemplate>(templatePath),
      messages: messagesOf(dir, artifact),
    });
  }
  return stacks;
}

function messagesOf(dir: string, artifact: ManifestArtifact): SynthMessage[] {
  const metadata: Record<string, MetadataEntry[]> = { ...(artifact.metadata ?? {}) };
  if (artifact.additionalMetadataFile) {
    const extra = readJson<Record<string, MetadataEntry[]>>(path.join(dir, artifact.additionalMetadataFile));
    for (const [p, entries] of Object.entries(extra)) metadata[p] = [...(metadata[p] ?? []), ...entries];
  }
  const messages: SynthMessage[] = [];
  for (const [constructPath, entries] of Object.entries(metadata)) {
    for (const entry of entries) {
      const level = LEVELS[entry.type];
      if (level) messages.push({ level, path: constructPath, message: String(entry.data) });
    }
  }
  return messages;
}

function readJson<T>(file: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CloudAssemblyReadError(`cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new CloudAssemblyReadError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnTemplate } from '../../runtime/inspect/cloud-assembly';
import { UnmanagedCompute } from '../unmanaged-compute';

/**
 * What the testing helpers read: a stack (the construct tree is then known too), an
 * `assertions.Template`, or the JSON of a synthesized template.
 */
export type BatchSummarySource = Stack | Template | Record<string, unknown>;

/** A template with what the helpers need to name its resources the way people wrote them. */
export interface TemplateUnderTest {
  readonly template: CfnTemplate;
  /** Label of each logical id: the construct path inside the stack, without the trailing `/Resource`. */
  readonly labels: ReadonlyMap<string, string>;
  /** Instance types `addInstances` attached to unmanaged compute environments, by logical id (known only from a stack). */
  readonly attachedInstanceTypes: ReadonlyMap<string, string[]>;
}

/** Reads the template of `source` and labels its resources. */
export function templateUnderTest(source: BatchSummarySource): TemplateUnderTest {
  if (source instanceof Stack) return fromStack(source);
  const template = (source instanceof Template ? source.toJSON() : source) as CfnTemplate;
  if (typeof template !== 'object' || template === null || typeof template.Resources !== 'object') {
    throw new Error(`batchkit/testing: expected a Stack, an assertions Template or a synthesized template with Resources; got ${describeGiven(source)}`);
  }
  return { template, labels: labelsFromMetadata(template), attachedInstanceTypes: new Map() };
}

function fromStack(stack: Stack): TemplateUnderTest {
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  const labels = new Map<string, string>();
  const attachedInstanceTypes = new Map<string, string[]>();
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnResource && Stack.of(construct) === stack) {
      labels.set(stack.resolve(construct.logicalId), labelOfPath(construct.node.path, stack.node.path));
    }
    if (construct instanceof UnmanagedCompute && construct.node.tryFindChild('Resource') instanceof CfnResource) {
      const resource = construct.node.findChild('Resource') as CfnResource;
      attachedInstanceTypes.set(stack.resolve(resource.logicalId), construct.attachedInstanceTypes);
    }
  }
  return { template, labels, attachedInstanceTypes };
}

// Without a construct tree the `aws:cdk:path` metadata names resources; without that, the
// logical id less the hash CDK appends, which changes whenever the construct moves.
function labelsFromMetadata(template: CfnTemplate): Map<string, string> {
  const entries = Object.entries(template.Resources ?? {});
  const paths = entries.map(([, r]) => r.Metadata?.['aws:cdk:path']).filter((p): p is string => typeof p === 'string');
  const firstSegments = new Set(paths.map((p) => p.split('/')[0]));
  const stackPath = firstSegments.size === 1 ? [...firstSegments][0] : '';
  return new Map(entries.map(([logicalId, r]) => {
    const path = r.Metadata?.['aws:cdk:path'];
    return [logicalId, typeof path === 'string' ? labelOfPath(path, stackPath) : logicalId.replace(/[0-9A-F]{8}$/, '')];
  }));
}

function labelOfPath(path: string, stackPath: string): string {
  const inStack = stackPath !== '' && path.startsWith(`${stackPath}/`) ? path.slice(stackPath.length + 1) : path;
  return inStack.replace(/\/Resource$/, '');
}

function describeGiven(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  const keys = Object.keys(value);
  return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 5).join(', ')}`;
}

import { Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { EksContainerResources, eksPodDemand } from '../../runtime/model/eks-rules';
import type { JobDescription } from '../../runtime/model/placement';

/*
 * Reads an EKS job definition's pod (`eksProperties.podProperties`) for the rules: what its
 * containers declare, and the one job the placement rules place (the whole pod on one instance).
 */

interface RenderedContainer {
  readonly name?: unknown;
  readonly resources?: { limits?: Record<string, unknown>; requests?: Record<string, unknown> };
}

type Quantities = Record<string, string | number | undefined>;

// Quantities that are still objects after resolution are tokens: reported, never guessed.
function quantities(raw: Record<string, unknown> | undefined, label: string, unresolved: string[]): Quantities {
  const result: Quantities = {};
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (value === undefined || typeof value === 'string' || typeof value === 'number') result[key] = value;
    else unresolved.push(`${label}.${key}`);
  }
  return result;
}

/** The pod of an EKS job definition as one job to place, the problems with what it declares, and what is unresolved. */
export function describeEksJob(cfn: batch.CfnJobDefinition, subject: string): { jobs: JobDescription[]; problems: string[]; unresolved: string[] } {
  const eks = Stack.of(cfn).resolve(cfn.eksProperties) as { podProperties?: { containers?: RenderedContainer[] } } | undefined;
  const unresolved: string[] = [];
  const containers: EksContainerResources[] = (eks?.podProperties?.containers ?? []).map((container, index) => {
    const name = typeof container.name === 'string' ? container.name : `#${index + 1}`;
    return {
      name,
      limits: quantities(container.resources?.limits, `container '${name}' limits`, unresolved),
      requests: quantities(container.resources?.requests, `container '${name}' requests`, unresolved),
    };
  });
  if (unresolved.length > 0) return { jobs: [], problems: [], unresolved };
  const { demand, problems } = eksPodDemand(containers);
  return { jobs: [{ subject, platform: 'EC2', ...demand }], problems, unresolved };
}

import { declaredBatchResources, type DeclaredBatchResources } from '../../runtime/inspect/batch-resources';
import { placementReport, type JobDefinitionPlacement } from '../../runtime/inspect/placement-report';
import { templateUnderTest, type BatchSummarySource, type TemplateUnderTest } from './template-source';

/** A template's Batch resources named by label, with the synth checks' placement verdicts. */
export interface BatchAnalysis extends TemplateUnderTest {
  /** The declared resources; every `name` is the resource's label, every reference a label too. */
  readonly declared: DeclaredBatchResources;
  /** Each job definition's verdict on each queue, by the rules `batchkit check` and the synth checks apply. */
  readonly placements: JobDefinitionPlacement[];
}

/** Reads `source` and judges where each job definition can run. */
export function analyzeBatch(source: BatchSummarySource): BatchAnalysis {
  const underTest = templateUnderTest(source);
  const declared = labelled(declaredBatchResources(underTest.template), underTest);
  return { ...underTest, declared, placements: placementReport(declared) };
}

// Placement verdicts name resources by `name`: labels keep logical-id hashes out of them, and
// unmanaged compute is judged against the instances attached to it, as the synth checks do.
function labelled(declared: DeclaredBatchResources, underTest: TemplateUnderTest): DeclaredBatchResources {
  const label = (logicalId: string) => underTest.labels.get(logicalId) ?? logicalId;
  return {
    computeEnvironments: declared.computeEnvironments.map((ce) => ({
      ...ce,
      name: label(ce.logicalId),
      instanceTypes: ce.instanceTypes.length === 0 ? underTest.attachedInstanceTypes.get(ce.logicalId) ?? [] : ce.instanceTypes,
    })),
    jobQueues: declared.jobQueues.map((queue) => ({ ...queue, name: label(queue.logicalId) })),
    jobDefinitions: declared.jobDefinitions.map((jd) => ({ ...jd, name: label(jd.logicalId) })),
  };
}

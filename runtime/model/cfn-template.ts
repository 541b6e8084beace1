/**
 * The parts of a CloudFormation template batchkit reads: the template loader (to create the
 * resources in the local engine), `check` and `diff` (to inspect a synthesized app), and the
 * template assertions of `batchkit/testing`.
 */

/** A CloudFormation template, as much of it as batchkit reads. */
export interface CfnTemplate {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Outputs?: Record<string, unknown>;
}

/** One resource of a template. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
}

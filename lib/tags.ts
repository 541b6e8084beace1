/**
 * The tags batchkit puts on the resources it creates, so tag-based policies and cost reports can
 * target them. A class rather than exported constants, which jsii would drop from the API other
 * languages see.
 */
export class BatchkitTags {
  /**
   * Tag key on every resource batchkit creates, valued `compute-environment` (compute
   * environments and the security groups, launch templates and instances that belong to them),
   * `job-queue`, `job-definition`, `execution-role` or `instance-role`.
   */
  public static readonly COMPONENT = 'batchkit:component';

  private constructor() {}
}

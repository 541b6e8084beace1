import { Resource, Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IBatchJobDefinition, JobTagGrantOptions } from '../job-definition-base';
import { grantCancel, grantDescribe, grantSubmit } from './job-grants';

/**
 * A job definition registered outside the app, known by name: its ARN covers the latest
 * revision Batch resolves a bare name to, and its grants cover every revision of the name.
 */
export class ImportedJobDefinition extends Resource implements IBatchJobDefinition {
  /** ARN of the job definition, without revision. */
  public readonly jobDefinitionArn: string;
  /** Retry strategies are registered outside the app: none are known here. */
  public readonly retryStrategies: batch.RetryStrategy[] = [];

  constructor(scope: Construct, id: string, public readonly jobDefinitionName: string) {
    super(scope, id);
    this.jobDefinitionArn = Stack.of(scope).formatArn({ service: 'batch', resource: 'job-definition', resourceName: jobDefinitionName });
  }

  /** A reference to the job definition. */
  public get jobDefinitionRef(): batch.JobDefinitionReference {
    return { jobDefinitionArn: this.jobDefinitionArn };
  }

  /** Refused: the job definition is registered outside this app. */
  public addRetryStrategy(_strategy: batch.RetryStrategy): void {
    throw new Error(`job definition '${this.node.path}' is imported by name ('${this.jobDefinitionName}'): add retry strategies where it is registered`);
  }

  /** Lets `grantee` submit jobs of every revision of the job definition to `queue`. */
  public grantSubmitJob(grantee: iam.IGrantable, queue: batch.IJobQueue, options: JobTagGrantOptions = {}): iam.Grant {
    return grantSubmit(this, this.jobDefinitionName, grantee, queue, options.requiredTags);
  }

  /** Lets `grantee` cancel and terminate jobs, narrowed to jobs with `requiredTags` when given. */
  public grantCancelJobs(grantee: iam.IGrantable, options: JobTagGrantOptions = {}): iam.Grant {
    return grantCancel(this, grantee, options.requiredTags);
  }

  /** Lets `grantee` describe and list jobs, queues and job definitions. */
  public grantDescribeJobs(grantee: iam.IGrantable): iam.Grant {
    return grantDescribe(grantee);
  }
}

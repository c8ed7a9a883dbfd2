import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketNotificationDestinationConfig,
  BucketNotificationDestinationType,
  EventType,
  type IBucket,
  type IBucketNotificationDestination,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { aws_s3 as s3Interfaces } from 'aws-cdk-lib/interfaces';
import { Construct } from 'constructs';

export interface LandingBucketProps {
  /** Days a landed file is kept; long enough to replay it into BigQuery after an incident. */
  retentionDays: number;
}

/**
 * Where DMS writes `<source>/<schema>/<table>/…parquet`. Private, TLS only, S3-managed
 * encryption (DMS and the loader need no KMS grants), no versioning (AWS discourages it for DMS
 * targets), expiring files, and server access logs in a sibling bucket.
 */
export class LandingBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: IBucket;

  constructor(scope: Construct, id: string, props: LandingBucketProps) {
    super(scope, id);
    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogs = accessLogs;
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'landing/',
      lifecycleRules: [
        {
          expiration: Duration.days(props.retentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(2),
        },
      ],
      // Landed files are the only copy of changes not yet loaded: never delete them with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The single `ObjectCreated` → queue notification: prefix-wide, because S3 limits their number. */
  notify(queue: IQueue, suffix: string): void {
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new QueueDestination(queue), { suffix });
  }
}

/**
 * CDK's `SqsDestination` lets `s3.amazonaws.com` send with only an `aws:SourceArn` condition. A
 * bucket ARN names no account, so S3's guidance on the confused deputy adds `aws:SourceAccount`
 * (the bucket owner) next to it ("Granting permissions to publish event notification messages to
 * a destination", Amazon S3 User Guide). The queue is SQS-managed encrypted: no KMS grant needed.
 */
class QueueDestination implements IBucketNotificationDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, bucket: s3Interfaces.IBucketRef): BucketNotificationDestinationConfig {
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucket.bucketRef.bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this.queue).account },
        },
      }),
    );
    return {
      arn: this.queue.queueArn,
      type: BucketNotificationDestinationType.QUEUE,
      dependencies: [this.queue],
    };
  }
}

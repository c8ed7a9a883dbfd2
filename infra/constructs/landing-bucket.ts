import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  EventType,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
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
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the landing bucket’s access logs; logging it too would recurse.',
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
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(queue), { suffix });
  }
}

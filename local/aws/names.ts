/**
 * Physical names of the local stand-ins. They live here, not in the shared settings: the deployed
 * stack lets CloudFormation generate names so that two deployments never collide.
 */
export const localNames = {
  landingBucket: 'dms-landing',
  loaderQueue: 'dms2bq-loader',
  deadLetterQueue: 'dms2bq-loader-dlq',
  /** S3 reports the notification configuration's ID in every record (`s3.configurationId`). */
  notificationConfigurationId: 'dms2bq-parquet-to-loader',
  loaderFunction: 'dms2bq-loader',
} as const;

/** fauxqs answers for this account in every ARN and queue URL. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Canonical-user-style owner ID reported for the local bucket (`s3.bucket.ownerIdentity.principalId`). */
export const LOCAL_BUCKET_OWNER_ID = 'A000000000000LOCAL';

/** Any credentials work against fauxqs; fixed ones keep SDK clients from searching the environment. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * The local AWS runtime: S3 and SQS (fauxqs, in-process), S3 → SQS bucket notifications and Lambda's
 * SQS event source mapping, so the whole pipeline runs on a laptop and in CI without an AWS account.
 */
export type { NotifierOptions } from './delivery-plan.js';
export type { SqsBatchHandler } from './event-source/invoke.js';
export {
  type BatchFailure,
  type EventSource,
  EventSourceIdleTimeoutError,
  type EventSourceStats,
  type SqsEventSourceOptions,
  startSqsEventSource,
} from './event-source/sqs-event-source.js';
export { type LocalAws, type LocalAwsOptions, type LocalClientConfig, startLocalAws } from './local-aws.js';
export { localNames } from './names.js';
export { NotificationDeliveryError } from './notifier.js';
export { encodeS3EventKey, type S3TestEvent } from './s3-event.js';
export type { LocalPipelineSettings, LocalSettingsOverrides } from './settings.js';

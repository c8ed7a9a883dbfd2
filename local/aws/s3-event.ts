import type { S3Event, S3EventRecord } from 'aws-lambda';

/** Object-created event names as S3 writes them into notifications (no `s3:` prefix). */
export type ObjectCreatedEventName =
  | 'ObjectCreated:Put'
  | 'ObjectCreated:CompleteMultipartUpload'
  | 'ObjectCreated:Copy';

/** What the S3 front end observed about one successful object creation. */
export interface ObjectCreated {
  eventName: ObjectCreatedEventName;
  bucket: string;
  /** The decoded key, as the client sent it. */
  key: string;
  size: number;
  /** With or without quotes; notifications carry it without. */
  etag: string;
  time: Date;
  sourceIp: string;
  /** The caller, as S3 reports it in `userIdentity.principalId`. */
  principalId: string;
  requestId: string;
  hostId: string;
}

export interface NotificationContext {
  region: string;
  configurationId: string;
  bucketOwnerId: string;
}

/** The `s3:TestEvent` body S3 sends once when a notification configuration is saved. */
export interface S3TestEvent {
  Service: 'Amazon S3';
  Event: 's3:TestEvent';
  Time: string;
  Bucket: string;
  RequestId: string;
  HostId: string;
}

/**
 * Encodes a key the way S3 notifications do (Java `URLEncoder` per path segment, `/` kept, space as `+`),
 * so consumers that apply "`+` → space, then percent-decode" get the original key back.
 */
export function encodeS3EventKey(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment)
        .replaceAll('%20', '+')
        .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/** One S3 event notification body (`{"Records":[…]}`) for one created object, field for field as AWS sends it. */
export function objectCreatedNotification(
  created: ObjectCreated,
  sequencer: string,
  context: NotificationContext,
): S3Event {
  const record: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: context.region,
    eventTime: created.time.toISOString(),
    eventName: created.eventName,
    userIdentity: { principalId: created.principalId },
    requestParameters: { sourceIPAddress: created.sourceIp },
    responseElements: { 'x-amz-request-id': created.requestId, 'x-amz-id-2': created.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: context.configurationId,
      bucket: {
        name: created.bucket,
        ownerIdentity: { principalId: context.bucketOwnerId },
        arn: `arn:aws:s3:::${created.bucket}`,
      },
      object: {
        key: encodeS3EventKey(created.key),
        size: created.size,
        eTag: created.etag.replaceAll('"', ''),
        sequencer,
      },
    },
  };
  return { Records: [record] };
}

export function testEvent(bucket: string, time: Date, requestId: string, hostId: string): S3TestEvent {
  return {
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: time.toISOString(),
    Bucket: bucket,
    RequestId: requestId,
    HostId: hostId,
  };
}

/**
 * S3 sequencers are hex strings that grow with each event on a key (compared after right-padding with
 * zeros). A clock-seeded counter keeps them increasing for the whole process, even across restarts.
 */
export class Sequencer {
  #last = 0n;

  next(now = Date.now()): string {
    const candidate = BigInt(now) << 20n;
    this.#last = candidate > this.#last ? candidate : this.#last + 1n;
    return this.#last.toString(16).toUpperCase().padStart(18, '0');
  }
}

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, localNames, startLocalAws } from '../../local/aws/index.js';
import { bodies, receiveAll } from './sqs-helpers.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
const awsPutSample = fixture('s3-put-event.aws-sample.json') as S3Event;
const awsTestEventSample = fixture('s3-test-event.aws-sample.json') as Record<string, unknown>;

const KEY = 'casino_a/my schema/dt=2024-03-27/LOAD00000001.parquet';
const BODY = Buffer.from('PAR1 pretend parquet bytes PAR1');
const ISO_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every leaf of a JSON value as `[dotted path, value]`, arrays indexed. */
function leaves(value: unknown, path = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object') return [[path, value]];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, path ? `${path}.${key}` : key));
}

let local: LocalAws;
let messages: unknown[];
let testEventBody: Record<string, unknown>;
let putEvent: S3Event;

beforeAll(async () => {
  local = await startLocalAws();
  await local.s3.send(new PutObjectCommand({ Bucket: local.bucket, Key: KEY, Body: BODY }));
  await local.notificationsDrained();
  messages = bodies(await receiveAll(local.sqs, local.queueUrl));
  testEventBody = messages[0] as Record<string, unknown>;
  putEvent = messages[1] as S3Event;
});

afterAll(async () => {
  await local?.stop();
});

it('queues the test event first, then one notification for the object', () => {
  // Prepare
  const expected = ['s3:TestEvent', 'ObjectCreated:Put'];

  // Act
  const kinds = messages.map(
    (body) => (body as { Event?: string }).Event ?? (body as S3Event).Records[0]?.eventName,
  );

  // Assess
  expect(kinds).toEqual(expected);
});

describe('the S3 event notification for a PutObject, field by field against the AWS sample', () => {
  const expectedValue: Record<string, (actual: unknown) => void> = {
    'Records.0.eventVersion': (actual) => expect(actual).toBe('2.1'),
    'Records.0.eventSource': (actual) => expect(actual).toBe('aws:s3'),
    'Records.0.awsRegion': (actual) => expect(actual).toBe(local.region),
    'Records.0.eventTime': (actual) => expect(actual).toMatch(ISO_MILLIS),
    'Records.0.eventName': (actual) => expect(actual).toBe('ObjectCreated:Put'),
    'Records.0.userIdentity.principalId': (actual) =>
      expect(actual).toBe(`AWS:${local.credentials.accessKeyId}`),
    'Records.0.requestParameters.sourceIPAddress': (actual) => expect(actual).toBe('127.0.0.1'),
    'Records.0.responseElements.x-amz-request-id': (actual) => expect(actual).toMatch(/^[0-9A-F]{16}$/),
    'Records.0.responseElements.x-amz-id-2': (actual) => expect(actual).toMatch(/^\S+$/),
    'Records.0.s3.s3SchemaVersion': (actual) => expect(actual).toBe('1.0'),
    'Records.0.s3.configurationId': (actual) => expect(actual).toBe(localNames.notificationConfigurationId),
    'Records.0.s3.bucket.name': (actual) => expect(actual).toBe(local.bucket),
    'Records.0.s3.bucket.ownerIdentity.principalId': (actual) => expect(actual).toMatch(/^\S+$/),
    'Records.0.s3.bucket.arn': (actual) => expect(actual).toBe(`arn:aws:s3:::${local.bucket}`),
    'Records.0.s3.object.key': (actual) =>
      expect(actual).toBe('casino_a/my+schema/dt%3D2024-03-27/LOAD00000001.parquet'),
    'Records.0.s3.object.size': (actual) => expect(actual).toBe(BODY.length),
    'Records.0.s3.object.eTag': (actual) => expect(actual).toBe(createHash('md5').update(BODY).digest('hex')),
    // Present only for versioned buckets; the landing bucket is not versioned (AWS advice for DMS targets).
    'Records.0.s3.object.versionId': (actual) => expect(actual).toBeUndefined(),
    'Records.0.s3.object.sequencer': (actual) => expect(actual).toMatch(/^[0-9A-F]{18}$/),
  };

  it.each(leaves(awsPutSample))('%s has the sample’s type and the expected value', (path, sampleValue) => {
    // Prepare
    const actual = Object.fromEntries(leaves(putEvent))[path];
    const check = expectedValue[path];

    // Act
    const sameType = path.endsWith('versionId') || typeof actual === typeof sampleValue;

    // Assess
    expect(check).toBeDefined();
    expect(sameType).toBe(true);
    check?.(actual);
  });

  it('has no field the AWS sample lacks', () => {
    // Prepare
    const samplePaths = new Set(leaves(awsPutSample).map(([path]) => path));

    // Act
    const extra = leaves(putEvent).filter(([path]) => !samplePaths.has(path));

    // Assess
    expect(extra).toEqual([]);
  });
});

describe('the s3:TestEvent sent when the notifier starts', () => {
  it('has exactly the fields of the AWS sample', () => {
    // Prepare
    const sampleFields = Object.keys(awsTestEventSample).sort();

    // Act
    const fields = Object.keys(testEventBody).sort();

    // Assess
    expect(fields).toEqual(sampleFields);
  });

  it('names the service, the event, the landing bucket and the time', () => {
    // Prepare
    const expected = { Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: local.bucket };

    // Act
    const { Service, Event, Bucket, Time } = testEventBody;

    // Assess
    expect({ Service, Event, Bucket }).toEqual(expected);
    expect(Time).toMatch(ISO_MILLIS);
  });
});

import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DeleteQueueCommand } from '@aws-sdk/client-sqs';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type LocalAws,
  NotificationDeliveryError,
  type NotifierOptions,
  startLocalAws,
} from '../../local/aws/index.js';
import { bodies, receiveAll } from './sqs-helpers.js';

const started: LocalAws[] = [];

async function localAwsWith(notifier: NotifierOptions = {}): Promise<LocalAws> {
  const local = await startLocalAws({ notifier: { testEvent: false, ...notifier } });
  started.push(local);
  return local;
}

async function put(local: LocalAws, key: string, body: string | Buffer = 'parquet bytes'): Promise<void> {
  await local.s3.send(new PutObjectCommand({ Bucket: local.bucket, Key: key, Body: body }));
}

async function notifiedRecords(local: LocalAws): Promise<S3EventRecord[]> {
  await local.notificationsDrained();
  return bodies(await receiveAll(local.sqs, local.queueUrl)).flatMap((body) => (body as S3Event).Records);
}

const keysOf = (records: S3EventRecord[]) => records.map((record) => record.s3.object.key);

afterEach(async () => {
  await Promise.all(started.splice(0).map((local) => local.stop()));
});

describe('which objects are notified', () => {
  it('notifies only keys ending in .parquet', async () => {
    // Prepare
    const local = await localAwsWith();

    // Act
    for (const key of ['t/a.csv', 't/a.parquet.tmp', 't/b.parquet']) await put(local, key);

    // Assess
    expect(keysOf(await notifiedRecords(local))).toEqual(['t/b.parquet']);
  });

  it('catches objects created by a client the runtime does not own', async () => {
    // Prepare
    const local = await localAwsWith();
    const foreign = new S3Client(local.clientConfig);

    // Act
    await foreign.send(new PutObjectCommand({ Bucket: local.bucket, Key: 'src/t/x.parquet', Body: 'abc' }));
    foreign.destroy();

    // Assess
    expect(keysOf(await notifiedRecords(local))).toEqual(['src/t/x.parquet']);
  });

  it('reports a multipart upload as CompleteMultipartUpload with its full size and multipart ETag', async () => {
    // Prepare
    const local = await localAwsWith();
    const key = 'src/t/LOAD00000001.parquet';
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.alloc(1000, 2)];
    const { UploadId } = await local.s3.send(
      new CreateMultipartUploadCommand({ Bucket: local.bucket, Key: key }),
    );
    const etags: string[] = [];
    for (const [index, part] of parts.entries()) {
      const uploaded = await local.s3.send(
        new UploadPartCommand({
          Bucket: local.bucket,
          Key: key,
          UploadId,
          PartNumber: index + 1,
          Body: part,
        }),
      );
      etags.push(uploaded.ETag ?? '');
    }

    // Act
    const completed = await local.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: local.bucket,
        Key: key,
        UploadId,
        MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
      }),
    );

    // Assess
    const [record] = await notifiedRecords(local);
    expect(record?.eventName).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(record?.s3.object.size).toBe(5 * 1024 * 1024 + 1000);
    expect(record?.s3.object.eTag).toBe(completed.ETag?.replaceAll('"', ''));
  });

  it('counts only the payload bytes of a streamed (aws-chunked) upload', async () => {
    // Prepare
    const local = await localAwsWith();
    const payload = Buffer.alloc(70_000, 7);

    // Act
    await local.s3.send(
      new PutObjectCommand({
        Bucket: local.bucket,
        Key: 'src/t/streamed.parquet',
        Body: Readable.from([payload.subarray(0, 30_000), payload.subarray(30_000)]),
        ContentLength: payload.length,
      }),
    );

    // Assess
    const [record] = await notifiedRecords(local);
    expect(record?.s3.object.size).toBe(payload.length);
  });

  it('reports a CopyObject as ObjectCreated:Copy with the size of the copy', async () => {
    // Prepare
    const local = await localAwsWith();
    await put(local, 'staging/file.bin', 'twelve bytes');

    // Act
    await local.s3.send(
      new CopyObjectCommand({
        Bucket: local.bucket,
        Key: 'src/t/copied.parquet',
        CopySource: `${local.bucket}/staging/file.bin`,
      }),
    );

    // Assess
    const [record] = await notifiedRecords(local);
    expect(record?.eventName).toBe('ObjectCreated:Copy');
    expect(record?.s3.object.size).toBe('twelve bytes'.length);
  });
});

describe('delivery failures', () => {
  it('make notificationsDrained() reject instead of losing the notification silently', async () => {
    // Prepare
    const local = await localAwsWith();
    await local.sqs.send(new DeleteQueueCommand({ QueueUrl: local.queueUrl }));

    // Act
    await put(local, 'src/t/orphan.parquet');

    // Assess
    await expect(local.notificationsDrained()).rejects.toThrow(NotificationDeliveryError);
  });
});

describe('at-least-once delivery options', () => {
  const uploadKeys = (count: number) =>
    Array.from({ length: count }, (_, i) => `src/t/f${String(i).padStart(2, '0')}.parquet`);

  it('deliveries: N sends every notification N times, identical each time', async () => {
    // Prepare
    const local = await localAwsWith({ deliveries: 3 });

    // Act
    for (const key of uploadKeys(2)) await put(local, key);

    // Assess
    const records = await notifiedRecords(local);
    expect(keysOf(records).sort()).toEqual([...uploadKeys(2), ...uploadKeys(2), ...uploadKeys(2)].sort());
    const copiesOfFirst = records.filter((record) => record.s3.object.key === uploadKeys(1)[0]);
    expect(new Set(copiesOfFirst.map((record) => JSON.stringify(record))).size).toBe(1);
  });

  it('counts every message it put into the queue, duplicates included', async () => {
    // Prepare
    const local = await localAwsWith({ deliveries: 2 });

    // Act
    for (const key of uploadKeys(3)) await put(local, key);
    await local.notificationsDrained();

    // Assess
    expect(local.notificationsSent()).toBe(6);
  });

  it('duplicateProbability: p sends some notifications twice and none more often', async () => {
    // Prepare
    const local = await localAwsWith({ duplicateProbability: 0.5, seed: 7 });
    const keys = uploadKeys(30);

    // Act
    for (const key of keys) await put(local, key);

    // Assess
    const counts = new Map<string, number>();
    for (const key of keysOf(await notifiedRecords(local))) counts.set(key, (counts.get(key) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(keys);
    const duplicated = [...counts.values()].filter((count) => count === 2).length;
    expect(duplicated).toBeGreaterThan(0);
    expect(duplicated).toBeLessThan(keys.length);
    expect(Math.max(...counts.values())).toBe(2);
  });

  it('shuffle: sends a window of notifications in an order other than creation order', async () => {
    // Prepare: a window far longer than the uploads, so all of them share it; drained() flushes it.
    const local = await localAwsWith({ shuffle: true, seed: 42, shuffleWindowMs: 600_000 });
    const keys = uploadKeys(20);

    // Act
    for (const key of keys) await put(local, key);

    // Assess
    const received = keysOf(await notifiedRecords(local));
    expect([...received].sort()).toEqual(keys);
    expect(received).not.toEqual(keys);
  });
});

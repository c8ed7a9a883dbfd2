import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replayMessage } from '../../lambdas/shared/messages.js';
import { lambdaContext } from './context.js';
import { dmsParquet, s3Notification, sqsRecord } from './fixtures.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

describe('loader handler', () => {
  let harness: LoaderHarness;

  beforeEach(async () => {
    harness = await startLoaderHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('loads the rows of a notified file', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.rowCount()).toBe(5);
  });

  it('acknowledges a second delivery of a loaded file without loading it again', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));
    await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.rowCount()).toBe(5);
  });

  it('loads a file once when two workers receive it at the same time', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));
    const body = s3Notification(harness.aws.bucket, key);

    // Act
    const responses = await Promise.all([harness.invoke([body]), harness.invoke([body])]);

    // Assess
    expect(responses.flatMap((response) => response.batchItemFailures)).toEqual([]);
    expect(await harness.rowCount()).toBe(5);
  });

  it('loads a file again for a forced replay, once per replay epoch', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));
    await harness.invoke([s3Notification(harness.aws.bucket, key)]);
    const replay = JSON.stringify(replayMessage({ bucket: harness.aws.bucket, key, replayEpoch: 1 }));

    // Act
    await harness.invoke([replay, replay]);

    // Assess
    expect(await harness.rowCount()).toBe(10);
  });

  it('acknowledges a replay without an epoch of a file already loaded', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));
    await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Act
    const response = await harness.invoke([
      JSON.stringify(replayMessage({ bucket: harness.aws.bucket, key })),
    ]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.rowCount()).toBe(5);
  });

  it('acknowledges the S3 test event', async () => {
    // Prepare
    const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: harness.aws.bucket });

    // Act
    const response = await harness.invoke([body]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
  });

  describe.each([
    ['an unreadable body', () => 'not json'],
    [
      'an unmapped table',
      (bucket: string) => s3Notification(bucket, 'casino_a/game/unmapped/LOAD00000001.parquet'),
    ],
    [
      'a key DMS would not write',
      (bucket: string) => s3Notification(bucket, 'casino_a/game/bets/notes.parquet'),
    ],
  ])('a record with %s', (_name, body) => {
    it('fails alone while the rest of the batch loads', async () => {
      // Prepare
      const key = cdcKeyAt(1);
      await harness.put(key, dmsParquet({ rows: 5 }));
      const bad = body(harness.aws.bucket);

      // Act
      const response = await harness.handler(
        { Records: [sqsRecord(bad, 'bad'), sqsRecord(s3Notification(harness.aws.bucket, key), 'good')] },
        lambdaContext(30_000),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
      expect(await harness.rowCount()).toBe(5);
    });
  });

  it('does not start files when the remaining time is short, and reports them as failures', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)], 600);

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    await expect(harness.rowCount()).rejects.toMatchObject({ code: 404 });
  });
});

import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileOutcomeEvent } from '../../lambdas/loader/create-handler.js';
import { dmsParquet, s3Notification } from './fixtures.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

describe('racing deliveries of one file', () => {
  let harness: LoaderHarness | undefined;

  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('counts the delivery that finds another worker’s job as a duplicate, not a second load', async () => {
    // Prepare
    const outcomes: FileOutcomeEvent[] = [];
    harness = await startLoaderHarness({
      jobStateDelayMs: 200,
      loader: { onFileOutcome: (o) => outcomes.push(o) },
    });
    const key = cdcKeyAt(0);
    await harness.put(key, dmsParquet({ rows: 5 }));
    const head = await harness.aws.s3.send(new HeadObjectCommand({ Bucket: harness.aws.bucket, Key: key }));
    const body = s3Notification(harness.aws.bucket, key, head.ETag?.replaceAll('"', ''));

    // Act
    await Promise.all([harness.invoke([body]), harness.invoke([body]), harness.invoke([body])]);

    // Assess
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'duplicate', 'loaded']);
    expect(await harness.rowCount()).toBe(5);
  });
});

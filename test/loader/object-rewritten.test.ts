import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { dmsParquet, s3Notification } from './fixtures.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

/**
 * A LOAD file DMS rewrites in place (a reload writes the same key again) between the loader's footer
 * read and its upload. The job ID is derived from the ETag read with the footer, so the upload must
 * read that very version (GetObject If-Match); otherwise the new content would be loaded under the
 * old version's job ID, and again under its own when its notification comes.
 */
describe('an object rewritten while the loader reads it', { timeout: 120_000 }, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('loads each version at most once and the final content exactly once', async () => {
    // Prepare: version 1 has 3 rows; just before the loader's whole-object GET, version 2 (5 rows) lands.
    const h = await startLoaderHarness();
    harness = h;
    const key = cdcKeyAt(1);
    await h.put(key, dmsParquet({ rows: 3 }));
    let rewritten = false;
    h.aws.s3.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string; Range?: string };
        if (context.commandName === 'GetObjectCommand' && input.Key === key && !input.Range && !rewritten) {
          rewritten = true;
          await h.aws.s3.send(
            new PutObjectCommand({ Bucket: h.aws.bucket, Key: key, Body: dmsParquet({ rows: 5 }) }),
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'rewriteBeforeBodyRead' },
    );

    // Act: the first notification's delivery, then the second version's, then the first's redelivery.
    const first = await h.invoke([s3Notification(h.aws.bucket, key)]);
    const second = await h.invoke([s3Notification(h.aws.bucket, key)]);
    const redelivered = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess
    expect(rewritten).toBe(true);
    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(await h.rowCount()).toBe(5);
  });
});

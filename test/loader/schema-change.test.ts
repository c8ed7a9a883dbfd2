import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileOutcomeEvent } from '../../lambdas/loader/create-handler.js';
import { baseJobId, jobIdForGeneration } from '../../lambdas/shared/bigquery/job-id.js';
import { getJob } from '../../lambdas/shared/bigquery/jobs.js';
import { stripQuotes } from '../../lambdas/shared/messages.js';
import { betsRoute, dmsParquet, s3Notification } from './fixtures.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, startLoaderHarness } from './harness.js';
import { capturingLogger } from './logs.js';

/**
 * A column's type changes at the source. Through the real handler, the local SQS event source
 * (fauxqs) and the BigQuery emulator, whose load refuses a type change and whose ALTER COLUMN
 * follows BigQuery's coercion rules.
 */
describe('loader: column type changes', { timeout: 120_000 }, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  /** The load jobs BigQuery holds for a landed file, generation by generation. */
  const loadJobs = async (h: LoaderHarness, key: string) => {
    const head = await h.aws.s3.send(new HeadObjectCommand({ Bucket: h.aws.bucket, Key: key }));
    const base = baseJobId({
      ...betsRoute,
      stem: key.split('/').at(-1)?.replace('.parquet', '') ?? '',
      bucket: h.aws.bucket,
      key,
      etag: stripQuotes(head.ETag ?? ''),
    });
    const jobs = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((g) => getJob(h.bigquery, LOCATION, jobIdForGeneration(base, g))),
    );
    return jobs.filter((job) => job !== undefined);
  };

  it('costs at most two load jobs for a type change delivered five times, and the DLQ entry says why', async () => {
    // Prepare
    const captured = capturingLogger();
    const outcomes: FileOutcomeEvent[] = [];
    harness = await startLoaderHarness({
      maxReceiveCount: 5,
      loader: { logger: captured.logger, onFileOutcome: (event) => outcomes.push(event) },
    });
    const h = harness;
    await h.put(cdcKeyAt(1), dmsParquet({ rows: 3 }));
    await h.drain();
    const key = cdcKeyAt(2);
    await h.put(key, dmsParquet({ rows: 3, amountAsString: true }));

    // Act
    await h.drain();

    // Assess
    captured.restore();
    expect(outcomes.filter((o) => o.key === key && o.status === 'failed')).toHaveLength(5);
    expect((await loadJobs(h, key)).length).toBeLessThanOrEqual(2);
    const dead = (await h.deadLetters()).map((body) => JSON.parse(body).Records[0].s3.object.key);
    expect(dead).toEqual([key]);
    const line = captured.errors().find((entry) => entry.key === key);
    expect(line).toMatchObject({
      reason: 'SchemaChangeRejectedError',
      permanent: true,
      runbook: 'docs/runbooks/schema-change-rejected.md',
      conflicts: [{ column: 'amount', from: 'FLOAT64', to: 'STRING' }],
    });
    expect(await h.rowCount()).toBe(3);
  });

  it('widens INT64 to FLOAT64 and loads the file with its second job', async () => {
    // Prepare
    harness = await startLoaderHarness();
    const h = harness;
    await h.put(cdcKeyAt(1), dmsParquet({ rows: 3, amountAsInteger: true }));
    await h.drain();
    const key = cdcKeyAt(2);
    await h.put(key, dmsParquet({ rows: 4 }));
    await h.aws.notificationsDrained();

    // Act
    const response = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [metadata] = await h.bigquery.dataset(betsRoute.dataset).table(betsRoute.targetTable).getMetadata();
    const amount = metadata.schema?.fields?.find((field: { name?: string }) => field.name === 'amount');
    expect(amount?.type).toBe('FLOAT');
    expect(await h.rowCount()).toBe(7);
    const jobs = await loadJobs(h, key);
    expect(jobs.map((job) => job.errorResult?.reason ?? 'ok')).toEqual(['invalid', 'ok']);
  });

  it('loads a file whose first job failed once someone else widened the column', async () => {
    // Prepare
    harness = await startLoaderHarness({ loader: { logger: capturingLogger().logger } });
    const h = harness;
    await h.put(cdcKeyAt(1), dmsParquet({ rows: 3, amountAsInteger: true }));
    await h.drain();
    const key = cdcKeyAt(2);
    await h.put(key, dmsParquet({ rows: 4 }));
    await h.aws.notificationsDrained();
    // The loader may not alter the table (no bigquery.tables.update): its first delivery fails.
    h.emulator.faults.failNext({
      method: 'POST',
      path: /^(?!\/upload).*\/(jobs|queries)$/,
      status: 403,
      reason: 'accessDenied',
      times: 1,
    });
    const first = await h.invoke([s3Notification(h.aws.bucket, key)]);
    h.emulator.faults.reset();
    await h.bigquery.query(
      `ALTER TABLE \`${betsRoute.dataset}.${betsRoute.targetTable}\` ALTER COLUMN amount SET DATA TYPE FLOAT64`,
    );

    // Act
    const second = await h.invoke([s3Notification(h.aws.bucket, key)]);

    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(await h.rowCount()).toBe(7);
    expect((await loadJobs(h, key)).map((job) => job.errorResult?.reason ?? 'ok')).toEqual(['invalid', 'ok']);
  });
});

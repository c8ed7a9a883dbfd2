import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dmsParquet, s3Notification } from './fixtures.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

describe('loader: the _current view of a table its first load created', () => {
  let harness: LoaderHarness;
  const view = () => harness.bigquery.dataset('casino_a_cdc').table('bets_current');

  beforeEach(async () => {
    harness = await startLoaderHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  it('creates the view right after the load, as a GoogleSQL view over the changelog', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [metadata] = await view().getMetadata();
    expect(metadata).toMatchObject({ type: 'VIEW', view: { useLegacySql: false } });
    const [rows] = await harness.bigquery.query('SELECT COUNT(*) AS n FROM `casino_a_cdc.bets_current`');
    expect(rows).toEqual([{ n: 5 }]);
  });

  it('creates the history view after the load too, labelled as the project’s, one open version per key', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [metadata] = await harness.bigquery.dataset('casino_a_cdc').table('bets_history').getMetadata();
    expect(metadata).toMatchObject({ type: 'VIEW', labels: { dms2bq_view: 'history' } });
    const [rows] = await harness.bigquery.query(
      'SELECT COUNT(*) AS n FROM `casino_a_cdc.bets_history` WHERE _valid_to IS NULL',
    );
    expect(rows).toEqual([{ n: 5 }]);
  });

  it('fails the record when the view cannot be created, and creates it on the next delivery', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));
    const body = s3Notification(harness.aws.bucket, key);
    harness.emulator.faults.failNext({
      method: 'POST',
      path: /\/datasets\/casino_a_cdc\/tables$/,
      status: 403,
      reason: 'accessDenied',
      message: 'Access Denied: Dataset local-project:casino_a_cdc: Permission bigquery.tables.create denied',
    });

    // Act
    const first = await harness.invoke([body]);
    const [existsAfterFailure] = await view().exists();
    const second = await harness.invoke([body]);

    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(existsAfterFailure).toBe(false);
    expect(second.batchItemFailures).toEqual([]);
    expect((await view().exists())[0]).toBe(true);
    expect(await harness.rowCount()).toBe(5);
  });
});

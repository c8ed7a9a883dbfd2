import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { betsRoute, dmsParquet, s3Notification } from './fixtures.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

/**
 * BigQuery fails a load into an existing table whose partitioning or clustering differs from the
 * load's ("Incompatible table partitioning specification"); the emulator does too. The loader states
 * the layout only when its load creates the table.
 */
describe('loader: the table layout', () => {
  let harness: LoaderHarness;

  beforeEach(async () => {
    harness = await startLoaderHarness();
  });

  afterEach(async () => {
    await harness.stop();
  });

  const tableMetadata = async () => {
    const [metadata] = await harness.bigquery
      .dataset(betsRoute.dataset)
      .table(betsRoute.targetTable)
      .getMetadata();
    return metadata as { timePartitioning?: { type?: string }; clustering?: { fields?: string[] } };
  };

  it('creates a new table partitioned by day and clustered by the primary key', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 3 }));

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await tableMetadata()).toMatchObject({
      timePartitioning: { type: 'DAY' },
      clustering: { fields: ['id'] },
    });
  });

  it('appends to an existing table laid out differently (created by hand, or clustered by an old key)', async () => {
    // Prepare: the table exists, unpartitioned and clustered by another column
    await harness.bigquery.dataset(betsRoute.dataset).createTable(betsRoute.targetTable, {
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER' },
          { name: 'id_old', type: 'INTEGER' },
        ],
      },
      clustering: { fields: ['id_old'] },
    });
    const keys = [cdcKeyAt(1), cdcKeyAt(2)];
    for (const key of keys) await harness.put(key, dmsParquet({ rows: 4 }));

    // Act
    const response = await harness.invoke(keys.map((key) => s3Notification(harness.aws.bucket, key)));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await harness.rowCount()).toBe(8);
    const metadata = await tableMetadata();
    expect(metadata.timePartitioning).toBeUndefined();
    expect(metadata.clustering).toEqual({ fields: ['id_old'] });
  });
});

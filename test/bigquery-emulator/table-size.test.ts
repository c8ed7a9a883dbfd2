import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uploadAndWait,
} from './helpers.js';

/**
 * tables.get `numBytes` follows BigQuery's data size calculation, value by value: INT64, FLOAT64,
 * TIMESTAMP 8, NUMERIC 16, BOOL 1, STRING and BYTES 2 + their bytes, NULL 0 (the figure the
 * current-state benchmark compares views and CDC tables by).
 */
describe('emulated tables.get: numBytes', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(() => fixture.stop());

  it('sums the logical size of every value, NULLs counting nothing', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    const path = await parquetFile(
      fixture,
      `SELECT * FROM (VALUES
        (1::BIGINT, 'héllo', '\\x01\\x02'::BLOB, 1.5::DECIMAL(18,2), TIMESTAMP '2024-01-01 00:00:00', true),
        (2::BIGINT, NULL, NULL, NULL, NULL, NULL)
      ) AS t(id, name, payload, amount, changed_at, flag)`,
    );
    const table = fixture.bigquery.dataset(dataset).table('sized');
    await uploadAndWait(table, path, loaderLoadOptions);

    // Act
    const [metadata] = await table.getMetadata();

    // Assess: (8 + 2+6 + 2+2 + 16 + 8 + 1) + 8
    expect(metadata).toMatchObject({ numRows: '2', numBytes: '53' });
  });

  it('reports 0 bytes for an empty table', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await fixture.bigquery.dataset(dataset).createTable('empty', {
      schema: { fields: [{ name: 'name', type: 'STRING' }] },
    });

    // Act
    const [metadata] = await fixture.bigquery.dataset(dataset).table('empty').getMetadata();

    // Assess
    expect(metadata).toMatchObject({ numRows: '0', numBytes: '0' });
  });
});

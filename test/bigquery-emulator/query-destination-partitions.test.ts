import { BigQueryDate, BigQueryTimestamp } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uploadAndWait,
  waitForJob,
} from './helpers.js';

const DAY_SECONDS = 86_400;
/** The emulator's clock starts at 12:34 UTC on 2026-03-01, so the writes land in known partitions. */
const start = Date.parse('2026-03-01T12:34:00Z');

/**
 * Rows a query job writes to an ingestion-time partitioned destination (WRITE_APPEND, as the
 * reconciliation appends a reload's deletes to a changelog, or WRITE_TRUNCATE) are ingested like a
 * load's: they land in the partition of the clock's now in UTC ("By default, ingestion-time
 * partitions are based on UTC time", load-data-partitioned-tables; ADR 0029), so a filter on
 * `_PARTITIONTIME` counts them and prunes them.
 */
describe('query jobs writing to an ingestion-time partitioned table', () => {
  let fixture: EmulatorFixture;
  let dataset: string;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ clock: new EmulatorClock((start - Date.now()) / 1000) });
    dataset = await freshDataset(fixture);
    const file = await parquetFile(fixture, 'SELECT i::BIGINT AS id FROM range(1000) r(i)');
    await uploadAndWait(fixture.bigquery.dataset(dataset).table('changelog'), file, {
      ...loaderLoadOptions,
      timePartitioning: { type: 'DAY' },
    });
  });
  afterAll(() => fixture.stop());

  const query = (sql: string) =>
    fixture.bigquery.query({ query: sql, defaultDataset: { datasetId: dataset } }).then(([rows]) => rows);

  /** A query job writing its rows to `table` with the given disposition, waited for; its errorResult if any. */
  const write = async (sql: string, table: string, writeDisposition: 'WRITE_APPEND' | 'WRITE_TRUNCATE') => {
    const [job] = await fixture.bigquery.createQueryJob({
      query: sql,
      defaultDataset: { datasetId: dataset },
      destination: fixture.bigquery.dataset(dataset).table(table),
      writeDisposition,
      createDisposition: 'CREATE_NEVER',
    });
    return (await waitForJob(job)).status?.errorResult;
  };

  const partitions = (table: string) =>
    query(
      `SELECT _PARTITIONTIME AS pt, _PARTITIONDATE AS pd, COUNT(*) AS n FROM ${table} GROUP BY pt, pd ORDER BY pt`,
    );

  const bytesProcessed = async (sql: string): Promise<string | undefined> => {
    const [job] = await fixture.bigquery.createQueryJob({
      query: sql,
      defaultDataset: { datasetId: dataset },
    });
    const metadata = await waitForJob(job);
    return metadata.statistics?.query?.totalBytesProcessed;
  };

  it('puts the rows a query job appends in the partition of the clock’s now, in UTC', async () => {
    // Act
    const failed = await write(
      'SELECT id + 1000 AS id FROM changelog WHERE id < 100',
      'changelog',
      'WRITE_APPEND',
    );

    // Assess
    expect(failed).toBeUndefined();
    expect(await partitions('changelog')).toEqual([
      { pt: new BigQueryTimestamp('2026-03-01T00:00:00.000Z'), pd: new BigQueryDate('2026-03-01'), n: 1100 },
    ]);
  });

  it('puts the next append in the next day’s partition once the clock has moved a day', async () => {
    // Act
    fixture.emulator.clock.advance(DAY_SECONDS);
    const failed = await write(
      'SELECT id + 2000 AS id FROM changelog WHERE id < 10',
      'changelog',
      'WRITE_APPEND',
    );

    // Assess
    expect(failed).toBeUndefined();
    expect(await partitions('changelog')).toEqual([
      { pt: new BigQueryTimestamp('2026-03-01T00:00:00.000Z'), pd: new BigQueryDate('2026-03-01'), n: 1100 },
      { pt: new BigQueryTimestamp('2026-03-02T00:00:00.000Z'), pd: new BigQueryDate('2026-03-02'), n: 10 },
    ]);
  });

  it('counts and bills the appended rows by their partition when a filter on _PARTITIONTIME prunes', async () => {
    // Act
    const [counted] = await query(
      "SELECT COUNT(*) AS n FROM changelog WHERE _PARTITIONTIME >= TIMESTAMP '2026-03-02 00:00:00'",
    );
    const newest = await bytesProcessed(
      "SELECT id FROM changelog WHERE _PARTITIONTIME >= TIMESTAMP '2026-03-02 00:00:00'",
    );
    const oldest = await bytesProcessed("SELECT id FROM changelog WHERE _PARTITIONDATE = DATE '2026-03-01'");
    const whole = await bytesProcessed('SELECT id FROM changelog');

    // Assess: 8 bytes per INT64 id
    expect(counted).toEqual({ n: 10 });
    expect(newest).toBe('80');
    expect(oldest).toBe('8800');
    expect(whole).toBe('8880');
  });

  it('keeps the ingestion-time partitioning under WRITE_TRUNCATE, the rows in the clock’s partition', async () => {
    // Prepare
    const file = await parquetFile(fixture, 'SELECT i::BIGINT AS id FROM range(5) r(i)');
    await uploadAndWait(fixture.bigquery.dataset(dataset).table('replaced'), file, {
      ...loaderLoadOptions,
      timePartitioning: { type: 'DAY' },
    });
    fixture.emulator.clock.advance(DAY_SECONDS);

    // Act
    const failed = await write('SELECT id FROM changelog WHERE id < 3', 'replaced', 'WRITE_TRUNCATE');

    // Assess
    expect(failed).toBeUndefined();
    const [metadata] = await fixture.bigquery.dataset(dataset).table('replaced').getMetadata();
    expect(metadata.timePartitioning).toEqual({ type: 'DAY' });
    expect(await partitions('replaced')).toEqual([
      { pt: new BigQueryTimestamp('2026-03-03T00:00:00.000Z'), pd: new BigQueryDate('2026-03-03'), n: 3 },
    ]);
    const [star] = await query('SELECT * FROM replaced LIMIT 1');
    expect(Object.keys(star ?? {})).toEqual(['id']);
  });

  it('truncates to the hour in an hourly table', async () => {
    // Prepare
    await fixture.bigquery.dataset(dataset).createTable('hourly', {
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
      timePartitioning: { type: 'HOUR' },
    });

    // Act
    const failed = await write('SELECT 1 AS id', 'hourly', 'WRITE_APPEND');

    // Assess: the clock reads 2026-03-03 12:34 UTC (and a few seconds)
    expect(failed).toBeUndefined();
    expect(await query('SELECT _PARTITIONTIME AS pt, id FROM hourly')).toEqual([
      { pt: new BigQueryTimestamp('2026-03-03T12:00:00.000Z'), id: 1 },
    ]);
  });
});

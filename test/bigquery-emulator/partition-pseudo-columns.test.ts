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
/** The emulator's clock starts at noon UTC on 2026-03-01, so the loads land in known partitions. */
const start = Date.parse('2026-03-01T12:00:00Z');

/**
 * Ingestion-time partitioned tables (the changelogs: `timePartitioning: {type: 'DAY'}` without a
 * field) have the `_PARTITIONTIME` and `_PARTITIONDATE` pseudo-columns: the UTC ingestion time
 * truncated to the day. Queries select and filter them, `SELECT *` leaves them out, and a filter on
 * them prunes partitions, lowering the bytes processed.
 */
describe('emulated ingestion-time partitioning: _PARTITIONTIME and _PARTITIONDATE', () => {
  let fixture: EmulatorFixture;
  let dataset: string;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ clock: new EmulatorClock((start - Date.now()) / 1000) });
    dataset = await freshDataset(fixture);
    const table = fixture.bigquery.dataset(dataset).table('changelog');
    const options = { ...loaderLoadOptions, timePartitioning: { type: 'DAY' } };
    const first = await parquetFile(fixture, 'SELECT i::BIGINT AS id FROM range(1000) r(i)');
    await uploadAndWait(table, first, options);
    fixture.emulator.clock.advance(DAY_SECONDS);
    const second = await parquetFile(fixture, 'SELECT (1000 + i)::BIGINT AS id FROM range(1000) r(i)');
    await uploadAndWait(table, second, options);
  });
  afterAll(() => fixture.stop());

  const query = (sql: string) =>
    fixture.bigquery.query({ query: sql, defaultDataset: { datasetId: dataset } }).then(([rows]) => rows);

  const bytesProcessed = async (sql: string): Promise<string | undefined> => {
    const [job] = await fixture.bigquery.createQueryJob({
      query: sql,
      defaultDataset: { datasetId: dataset },
    });
    await waitForJob(job);
    const [metadata] = await job.getMetadata();
    return metadata.statistics?.query?.totalBytesProcessed;
  };

  it('gives each row the day of its load, in UTC, as _PARTITIONTIME and _PARTITIONDATE', async () => {
    // Act
    const rows = await query(`
      SELECT _PARTITIONTIME AS pt, _PARTITIONDATE AS pd, COUNT(*) AS n
      FROM changelog GROUP BY pt, pd ORDER BY pt`);

    // Assess
    expect(rows).toEqual([
      { pt: new BigQueryTimestamp('2026-03-01T00:00:00.000Z'), pd: new BigQueryDate('2026-03-01'), n: 1000 },
      { pt: new BigQueryTimestamp('2026-03-02T00:00:00.000Z'), pd: new BigQueryDate('2026-03-02'), n: 1000 },
    ]);
  });

  it('leaves the pseudo-columns out of SELECT *, views, tabledata.list, the schema and numBytes', async () => {
    // Prepare
    await fixture.bigquery.query(
      `CREATE VIEW \`${dataset}.everything\` AS SELECT * FROM \`${dataset}.changelog\``,
    );

    // Act
    const [star] = await query('SELECT * FROM changelog LIMIT 1');
    const [viewed] = await query('SELECT * FROM everything LIMIT 1');
    const [listed] = await fixture.bigquery.dataset(dataset).table('changelog').getRows({ maxResults: 1 });
    const [metadata] = await fixture.bigquery.dataset(dataset).table('changelog').getMetadata();
    const [view] = await fixture.bigquery.dataset(dataset).table('everything').getMetadata();

    // Assess
    expect(Object.keys(star ?? {})).toEqual(['id']);
    expect(Object.keys(viewed ?? {})).toEqual(['id']);
    expect(Object.keys(listed[0] ?? {})).toEqual(['id']);
    expect(metadata.schema.fields.map((field: { name: string }) => field.name)).toEqual(['id']);
    expect(metadata).toMatchObject({ numRows: '2000', numBytes: '16000' });
    expect(view.schema.fields.map((field: { name: string }) => field.name)).toEqual(['id']);
  });

  it('leaves them out of an alias.* and of a * over a join', async () => {
    // Act
    const [qualified] = await query('SELECT c.* FROM changelog AS c LIMIT 1');
    const [joined] = await query(
      'SELECT * FROM changelog AS a JOIN changelog AS b USING (id) WHERE a.id = 1500',
    );

    // Assess
    expect(Object.keys(qualified ?? {})).toEqual(['id']);
    expect(joined).toEqual({ id: 1500 });
  });

  it('gives a table patched to ingestion-time partitioning its pseudo-columns, left out of *', async () => {
    // Prepare
    const table = fixture.bigquery.dataset(dataset).table('later');
    await fixture.bigquery.dataset(dataset).createTable('later', {
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
    });

    // Act
    await table.setMetadata({ timePartitioning: { type: 'DAY' } });
    await fixture.emulator.query(`INSERT INTO "${dataset}".later (id) VALUES (1)`);
    const [row] = await query('SELECT * FROM later');

    // Assess
    expect(row).toEqual({ id: 1 });
  });

  it('selects the pseudo-columns next to * when named', async () => {
    // Act
    const [row] = await query(
      "SELECT _PARTITIONDATE AS pd, * FROM changelog WHERE _PARTITIONDATE = DATE '2026-03-02' LIMIT 1",
    );

    // Assess
    expect(Object.keys(row ?? {})).toEqual(['pd', 'id']);
  });

  it('lowers the bytes processed when a filter on _PARTITIONTIME or _PARTITIONDATE prunes partitions', async () => {
    // Act
    const whole = await bytesProcessed('SELECT id FROM changelog');
    const byTime = await bytesProcessed(
      "SELECT id FROM changelog WHERE _PARTITIONTIME >= TIMESTAMP '2026-03-02 00:00:00'",
    );
    const byDate = await bytesProcessed("SELECT id FROM changelog WHERE _PARTITIONDATE = DATE '2026-03-01'");
    const none = await bytesProcessed("SELECT id FROM changelog WHERE _PARTITIONDATE > DATE '2026-03-02'");
    const notPruning = await bytesProcessed(
      "SELECT id FROM changelog WHERE _PARTITIONDATE = DATE '2026-03-01' OR id = 1500",
    );

    // Assess: 8 bytes per INT64 id, 1,000 rows per partition
    expect(whole).toBe('16000');
    expect(byTime).toBe('8000');
    expect(byDate).toBe('8000');
    expect(none).toBe('0');
    expect(notPruning).toBe('16000');
  });

  it('prunes on a qualified pseudo-column, and bills the whole table under a view', async () => {
    // Prepare
    await fixture.bigquery.query(`CREATE VIEW \`${dataset}.ids\` AS SELECT id FROM \`${dataset}.changelog\``);

    // Act
    const pruned = await bytesProcessed(
      "SELECT c.id FROM changelog AS c WHERE c._PARTITIONTIME < TIMESTAMP '2026-03-02 00:00:00'",
    );
    const viewed = await bytesProcessed('SELECT id FROM ids');

    // Assess
    expect(pruned).toBe('8000');
    expect(viewed).toBe('16000');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uploadAndWait,
  waitForJob,
} from './helpers.js';

const MB = 1024 * 1024;

/**
 * On-demand query cost as BigQuery computes it: the data size of each referenced column (INT64 8
 * bytes, STRING 2 + its UTF-8 bytes, NULL 0), LIMIT not reducing it, billed rounded up to the MB with
 * a 10 MB minimum per table referenced. Reported by jobs.insert, jobs.get, jobs.query and dry runs.
 */
describe('emulated query cost: totalBytesProcessed and totalBytesBilled', () => {
  let fixture: EmulatorFixture;
  let dataset: string;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
    dataset = await freshDataset(fixture);
    // 1,000 rows: id INT64, name STRING of 5 bytes ('n0001'…), note NULL on every other row ('abc').
    const path = await parquetFile(
      fixture,
      `SELECT i::BIGINT AS id, printf('n%04d', i) AS name, CASE WHEN i % 2 = 0 THEN 'abc' END AS note
       FROM range(1000) r(i)`,
    );
    await uploadAndWait(fixture.bigquery.dataset(dataset).table('t'), path, loaderLoadOptions);
    const big = await parquetFile(
      fixture,
      `SELECT i::BIGINT AS id, repeat('x', 1000) AS payload FROM range(12000) r(i)`,
    );
    await uploadAndWait(fixture.bigquery.dataset(dataset).table('big'), big, loaderLoadOptions);
  });
  afterAll(() => fixture.stop());

  const run = async (query: string) => {
    const [job] = await fixture.bigquery.createQueryJob({ query, defaultDataset: { datasetId: dataset } });
    await waitForJob(job);
    const [metadata] = await job.getMetadata();
    return metadata.statistics;
  };

  it('bills 8 bytes per INT64 value and the 10 MB minimum for SELECT id over 1,000 rows', async () => {
    // Act
    const statistics = await run('SELECT id FROM t');

    // Assess
    expect(statistics?.totalBytesProcessed).toBe('8000');
    expect(statistics?.query).toMatchObject({
      totalBytesProcessed: '8000',
      totalBytesBilled: String(10 * MB),
      cacheHit: false,
    });
  });

  it('counts STRING as 2 + UTF-8 bytes and NULLs as nothing', async () => {
    // Act
    const statistics = await run('SELECT name, note FROM t');

    // Assess: 1,000 × (2 + 5) + 500 × (2 + 3)
    expect(statistics?.query?.totalBytesProcessed).toBe('9500');
  });

  it('bills every column SELECT * reads, whatever the LIMIT', async () => {
    // Act
    const all = await run('SELECT * FROM t LIMIT 1');

    // Assess
    expect(all?.query?.totalBytesProcessed).toBe(String(8000 + 9500));
  });

  it('bills the columns a filter or an aggregate reads, not the rows it keeps', async () => {
    // Act
    const filtered = await run('SELECT name FROM t WHERE id = 7');
    const counted = await run('SELECT COUNT(*) AS n FROM t');

    // Assess
    expect(filtered?.query?.totalBytesProcessed).toBe(String(8000 + 7000));
    expect(counted?.query?.totalBytesProcessed).toBe('0');
  });

  it('bills the tables under a view and each table referenced at least 10 MB', async () => {
    // Prepare
    await fixture.bigquery.query(
      `CREATE VIEW \`${dataset}.names\` AS SELECT id, name FROM \`${dataset}.t\` WHERE note IS NULL`,
    );

    // Act
    const viewed = await run('SELECT name FROM names');
    const joined = await run('SELECT a.id FROM t AS a JOIN big AS b ON a.id = b.id');

    // Assess: the view reads name and, for its filter, note (500 × 5 bytes)
    expect(viewed?.query?.totalBytesProcessed).toBe(String(7000 + 2500));
    expect(joined?.query?.totalBytesProcessed).toBe(String(8000 + 12000 * 8));
    expect(joined?.query?.totalBytesBilled).toBe(String(20 * MB));
  });

  it('rounds bytes billed up to the next MB above the minimum', async () => {
    // Act: 12,000 × (8 + 2 + 1,000) bytes
    const statistics = await run('SELECT * FROM big');

    // Assess
    const processed = 12000 * 1010;
    expect(statistics?.query?.totalBytesProcessed).toBe(String(processed));
    expect(statistics?.query?.totalBytesBilled).toBe(String(Math.ceil(processed / MB) * MB));
  });

  it('answers a dry run with the bytes the query would process, billing nothing', async () => {
    // Act
    const [job] = await fixture.bigquery.createQueryJob({
      query: 'SELECT id FROM t',
      defaultDataset: { datasetId: dataset },
      dryRun: true,
    });

    // Assess
    expect(job.metadata.statistics.totalBytesProcessed).toBe('8000');
    expect(job.metadata.statistics.query.totalBytesProcessed).toBe('8000');
    expect(job.metadata.statistics.query.totalBytesBilled).toBe('0');
  });

  it('reports the bytes processed with the query results', async () => {
    // Prepare
    const [job] = await fixture.bigquery.createQueryJob({
      query: 'SELECT id FROM t',
      defaultDataset: { datasetId: dataset },
    });

    // Act
    const [, , response] = await job.getQueryResults({ autoPaginate: false });

    // Assess
    expect(response?.totalBytesProcessed).toBe('8000');
  });

  it('prunes the partitions of a column-partitioned table a filter on its column excludes', async () => {
    // Prepare: 3 days × 100 rows, partitioned by the DATE column day
    await fixture.bigquery.dataset(dataset).createTable('daily', {
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER' },
          { name: 'day', type: 'DATE' },
        ],
      },
      timePartitioning: { type: 'DAY', field: 'day' },
    });
    await fixture.emulator.query(
      `INSERT INTO "${dataset}".daily SELECT i, DATE '2026-01-01' + (i % 3)::INT FROM range(300) r(i)`,
    );

    // Act
    const whole = await run('SELECT id FROM daily');
    const oneDay = await run("SELECT id FROM daily WHERE day = DATE '2026-01-02'");
    const fromDay = await run("SELECT id FROM daily WHERE day >= DATE '2026-01-02'");

    // Assess: the filter's column counts too, over the partitions kept
    expect(whole?.query?.totalBytesProcessed).toBe('2400');
    expect(oneDay?.query?.totalBytesProcessed).toBe(String(100 * 16));
    expect(fromDay?.query?.totalBytesProcessed).toBe(String(200 * 16));
  });

  it('bills nothing for a query that reads no table', async () => {
    // Act
    const statistics = await run('SELECT 1 AS one');

    // Assess
    expect(statistics?.query).toMatchObject({ totalBytesProcessed: '0', totalBytesBilled: '0' });
  });
});

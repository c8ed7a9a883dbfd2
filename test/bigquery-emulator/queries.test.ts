import { BigQueryDate, BigQueryDatetime, BigQueryInt, BigQueryTimestamp } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
  waitForJob,
} from './helpers.js';

/** A DMS-style changelog: two versions of key 1 (the latest an update), key 2 inserted then deleted. */
const changelogSelect = `
  SELECT * FROM (VALUES
    (1::BIGINT, 'I', '2024-05-01 10:00:00.000001', 1::BIGINT, 'first'),
    (1::BIGINT, 'U', '2024-05-01 10:00:00.000002', 2::BIGINT, 'second'),
    (2::BIGINT, 'I', '2024-05-01 10:00:00.000001', 3::BIGINT, 'gone'),
    (2::BIGINT, 'D', '2024-05-01 10:00:01.000000', 4::BIGINT, 'gone')
  ) AS t(id, "Op", "_dms_timestamp", "_dms_change_seq", value)`;

describe('BigQuery emulator queries (through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('returns typed rows the way the client converts BigQuery values', async () => {
    // Act
    const [rows] = await fixture.bigquery.query(`
      SELECT 42 AS i, 1.5 AS f, true AS b, 'x' AS s, CAST('12.50' AS NUMERIC) AS n, DATE '2024-01-02' AS d,
        CAST('2024-01-02 03:04:05.123456' AS TIMESTAMP) AS ts, CAST('2024-01-02 03:04:05' AS DATETIME) AS dt,
        CAST(NULL AS STRING) AS missing`);

    // Assess
    const row = rows[0] as Record<string, unknown>;
    expect(row).toMatchObject({ i: 42, f: 1.5, b: true, s: 'x', missing: null });
    expect(String(row.n)).toBe('12.5');
    expect(row.d).toEqual(new BigQueryDate('2024-01-02'));
    expect(row.ts).toBeInstanceOf(BigQueryTimestamp);
    expect((row.ts as BigQueryTimestamp).value).toBe('2024-01-02T03:04:05.123456000Z');
    expect(row.dt).toBeInstanceOf(BigQueryDatetime);
  });

  it('wraps INT64 values when wrapIntegers is set', async () => {
    // Act
    const [rows] = await fixture.bigquery.query({
      query: 'SELECT 9007199254740993 AS big',
      wrapIntegers: true,
    });

    // Assess
    expect(rows[0].big).toBeInstanceOf(BigQueryInt);
    expect((rows[0].big as BigQueryInt).value).toBe('9007199254740993');
  });

  it('builds the changelog → current-state view and lists it as a VIEW', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await parquetFile(fixture, changelogSelect);
    await uploadAndWait(fixture.bigquery.dataset(datasetId).table('players'), path, {
      ...loaderLoadOptions,
      jobId: uniqueJobId(),
    });

    // Act
    await fixture.bigquery.query(`
      CREATE OR REPLACE VIEW \`local-project.${datasetId}.players_current\` AS
      SELECT * EXCEPT (Op, _dms_change_seq) FROM (
        SELECT * FROM \`local-project.${datasetId}.players\` WHERE TRUE
        QUALIFY ROW_NUMBER() OVER (
          PARTITION BY id
          ORDER BY PARSE_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', _dms_timestamp) DESC, _dms_change_seq DESC) = 1)
      WHERE Op != 'D'`);

    // Assess
    const [tables] = await fixture.bigquery.dataset(datasetId).getTables();
    expect(tables.map((table) => [table.id, table.metadata.type])).toEqual([
      ['players', 'TABLE'],
      ['players_current', 'VIEW'],
    ]);
    const [view] = await fixture.bigquery.dataset(datasetId).table('players_current').getMetadata();
    expect(view.schema.fields.map((field: { name: string }) => field.name)).toEqual([
      'id',
      '_dms_timestamp',
      'value',
    ]);
    const [rows] = await fixture.bigquery.query(`SELECT id, value FROM \`${datasetId}.players_current\``);
    expect(rows).toEqual([{ id: 1, value: 'second' }]);
  });

  it('replaces a view with CREATE OR REPLACE VIEW', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await fixture.bigquery.query(`CREATE VIEW \`${datasetId}.v\` AS SELECT 1 AS a`);

    // Act
    await fixture.bigquery.query(`CREATE OR REPLACE VIEW \`${datasetId}.v\` AS SELECT 2 AS a`);

    // Assess
    const [rows] = await fixture.bigquery.query(`SELECT a FROM \`${datasetId}.v\``);
    expect(rows).toEqual([{ a: 2 }]);
  });

  it('counts rows and returns NULL from SAFE_CAST of a bad value', async () => {
    // Act
    const [rows] = await fixture.bigquery.query(
      "SELECT COUNT(*) AS n, SAFE_CAST('abc' AS INT64) AS bad FROM (SELECT 1 UNION ALL SELECT 2)",
    );

    // Assess
    expect(rows).toEqual([{ n: 2, bad: null }]);
  });

  it('pages query results through getQueryResults', async () => {
    // Prepare
    const [rangeJob] = await fixture.bigquery.createQueryJob({
      query:
        'SELECT CAST(x AS INT64) AS x FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3) ORDER BY x',
    });

    // Act
    const [first, next] = await rangeJob.getQueryResults({ maxResults: 2, autoPaginate: false });
    const [second] = await rangeJob.getQueryResults(next ?? {});

    // Assess
    expect(first).toEqual([{ x: 1 }, { x: 2 }]);
    expect(second).toEqual([{ x: 3 }]);
  });

  it('answers an unknown table with 404 notFound', async () => {
    // Act
    const error = await fixture.bigquery
      .query('SELECT * FROM `local-project.nope.nothing`')
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 404, reason: 'notFound' });
  });

  it('fails an unsupported construct with a message naming it', async () => {
    // Act
    const error = await fixture.bigquery.query('SELECT _TABLE_SUFFIX FROM `ds.t*`').catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalidQuery' });
    expect((error as Error).message).toContain(
      'wildcard tables (_TABLE_SUFFIX) are not supported by the BigQuery emulator',
    );
  });

  it('reports a failed query job as DONE with errorResult invalidQuery', async () => {
    // Prepare
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT FROM WHERE', jobId: uniqueJobId() });

    // Act
    const metadata = await waitForJob(job);

    // Assess
    expect(metadata.status?.errorResult).toMatchObject({ reason: 'invalidQuery', location: 'query' });
  });
});

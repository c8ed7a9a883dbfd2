import { writeFile } from 'node:fs/promises';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from './helpers.js';

/**
 * GoogleSQL data types: TIMESTAMP 0001-01-01 00:00:00 … 9999-12-31 23:59:59.999999 UTC, DATE
 * 0001-01-01 … 9999-12-31. A file holding a value outside fails the whole load.
 */
describe('BigQuery emulator: values outside BigQuery’s ranges fail the load', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const load = (datasetId: string, path: string) =>
    uploadAndWait(fixture.bigquery.dataset(datasetId).table('t'), path, {
      ...loaderLoadOptions,
      jobId: uniqueJobId('range'),
    });
  const tableExists = async (datasetId: string) =>
    (await fixture.bigquery.dataset(datasetId).table('t').exists())[0];
  /** A file written by hyparquet-writer: one good row and one row with `bad` in column `c`. */
  const hyparquetFile = async (type: 'TIMESTAMP' | 'DATE', good: Date, bad: Date): Promise<string> => {
    const path = `${fixture.dir}/${uniqueJobId('hyparquet')}.parquet`;
    const schema = [
      { name: 'root', num_children: 2 },
      { name: 'id', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
      type === 'DATE'
        ? {
            name: 'c',
            type: 'INT32' as const,
            converted_type: 'DATE' as const,
            repetition_type: 'OPTIONAL' as const,
          }
        : {
            name: 'c',
            type: 'INT64' as const,
            converted_type: 'TIMESTAMP_MILLIS' as const,
            repetition_type: 'OPTIONAL' as const,
          },
    ];
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'id', data: [1n, 2n] },
        { name: 'c', data: [good, bad] },
      ],
      schema,
    });
    await writeFile(path, new Uint8Array(buffer));
    return path;
  };

  describe.each([
    ['TIMESTAMP in year 10000', 'make_timestamp(10000, 1, 1, 0, 0, 0)', 'timestamp value 253402300800000000'],
    [
      'TIMESTAMP one microsecond before year 1',
      "TIMESTAMP '0001-01-01 00:00:00' - INTERVAL 1 microsecond",
      'timestamp value -62135596800000001',
    ],
    ['TIMESTAMPTZ in year 10000', 'make_timestamp(10000, 1, 1, 0, 0, 0)::TIMESTAMPTZ', 'timestamp value'],
    ['DATE in year 10000', "DATE '9999-12-31' + 1", 'date value 2932897'],
    ['DATE before year 1', "DATE '0001-01-01' - 1", 'date value -719163'],
  ])('a %s written by DuckDB COPY', (_name, expression, detail) => {
    it('fails the load naming the column, and creates no table', async () => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      const path = await parquetFile(
        fixture,
        `SELECT range::BIGINT AS id, ${expression} AS c FROM range(0, 5)`,
      );

      // Act
      const job = await load(datasetId, path);

      // Assess
      expect(job.status?.errorResult?.reason).toBe('invalid');
      expect(job.status?.errorResult?.message).toMatch(/^Error while reading data, error message: Invalid /);
      expect(job.status?.errorResult?.message).toContain(`${detail}`);
      expect(job.status?.errorResult?.message).toContain("for field 'c'");
      expect(await tableExists(datasetId)).toBe(false);
    });
  });

  describe.each([
    ['TIMESTAMP', new Date('2024-01-01T00:00:00Z'), new Date(Date.UTC(10000, 0, 1))],
    ['DATE', new Date('2024-01-01T00:00:00Z'), new Date(Date.UTC(10000, 0, 1))],
  ] as const)('a %s in year 10000 written by hyparquet-writer', (type, good, bad) => {
    it('fails the whole load, the good row included', async () => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      const path = await hyparquetFile(type, good, bad);

      // Act
      const job = await load(datasetId, path);

      // Assess
      expect(job.status?.errorResult?.message).toContain(`Invalid ${type.toLowerCase()} value`);
      expect(await tableExists(datasetId)).toBe(false);
    });
  });

  it('fails a load into an existing table and appends none of its rows', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, await parquetFile(fixture, "SELECT 1::BIGINT AS id, DATE '2024-01-01' AS c"));

    // Act
    const job = await load(
      datasetId,
      await parquetFile(fixture, "SELECT 2::BIGINT AS id, DATE '9999-12-31' + 1 AS c"),
    );

    // Assess
    expect(job.status?.errorResult?.message).toContain("Invalid date value 2932897 for field 'c'");
    expect(await fixture.emulator.query(`SELECT count(*) AS n FROM "${datasetId}".t`)).toEqual([{ n: '1' }]);
  });

  it('loads the extreme values BigQuery accepts', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await parquetFile(
      fixture,
      "SELECT TIMESTAMP '0001-01-01 00:00:00' AS lo, TIMESTAMP '9999-12-31 23:59:59.999999' AS hi, DATE '0001-01-01' AS dlo, DATE '9999-12-31' AS dhi",
    );

    // Act
    const job = await load(datasetId, path);

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
  });
});

import { writeFile } from 'node:fs/promises';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainBigQueryValue } from '../../local/pipeline/bigquery-values.js';
import {
  apiError,
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from './helpers.js';

/** BIGNUMERIC: 38 decimals, ±5.7896044618658097711785492504343953926634992332820282019728792003956564819967E+38. */
describe('BigQuery emulator: BIGNUMERIC is stored exactly', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const load = (datasetId: string, path: string, options: Record<string, unknown> = {}) =>
    uploadAndWait(fixture.bigquery.dataset(datasetId).table('t'), path, {
      ...loaderLoadOptions,
      jobId: uniqueJobId('bignumeric'),
      ...options,
    });
  const query = async (sql: string) => {
    const [rows] = await fixture.bigquery.query({ query: sql });
    return (rows as Record<string, unknown>[]).map((row) =>
      Object.fromEntries(Object.entries(row).map(([key, value]) => [key, plainBigQueryValue(value)])),
    );
  };
  /** A hyparquet-writer file with one DECIMAL(precision, scale) column stored as FIXED_LEN_BYTE_ARRAY. */
  const wideDecimalFile = async (precision: number, scale: number, values: (bigint | null)[]) => {
    const path = `${fixture.dir}/${uniqueJobId('wide')}.parquet`;
    const buffer = parquetWriteBuffer({
      columnData: [{ name: 'b', data: values }],
      schema: [
        { name: 'root', num_children: 1 },
        {
          name: 'b',
          type: 'FIXED_LEN_BYTE_ARRAY',
          type_length: 32,
          converted_type: 'DECIMAL',
          precision,
          scale,
          repetition_type: 'OPTIONAL',
        },
      ],
    });
    await writeFile(path, new Uint8Array(buffer));
    return path;
  };

  describe.each([
    ['DECIMAL(38,30)', '-0.000000000000000000000000000001'],
    ['DECIMAL(38,30)', '12345678.123456789012345678901234567891'.slice(0, 39)],
    ['DECIMAL(38,0)', '99999999999999999999999999999999999999'],
    ['DECIMAL(38,38)', '0.12345678901234567890123456789012345678'],
    ['DECIMAL(38,30)', '0'],
  ])('a Parquet %s value %s written by DuckDB', (decimalType, value) => {
    it('comes back through a query exactly, typed BIGNUMERIC', async () => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      const path = await parquetFile(fixture, `SELECT '${value}'::${decimalType} AS b`);
      await load(datasetId, path);

      // Act
      const rows = await query(`SELECT b FROM \`${datasetId}.t\``);

      // Assess
      expect(rows).toEqual([{ b: value }]);
      const [metadata] = await fixture.bigquery.dataset(datasetId).table('t').getMetadata();
      expect(metadata.schema.fields).toEqual([{ name: 'b', type: 'BIGNUMERIC', mode: 'NULLABLE' }]);
    });
  });

  it('loads a DECIMAL(65,30) fixed-length byte array (MySQL DECIMAL(65,30)) as BIGNUMERIC, exactly', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    // 35 integer digits and 30 decimals: 12345678901234567890123456789012345.123456789012345678901234567890
    const unscaled = 12345678901234567890123456789012345123456789012345678901234567890n;
    const path = await wideDecimalFile(65, 30, [unscaled, -unscaled, null, 1n]);

    // Act
    const job = await load(datasetId, path);

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
    expect(await query(`SELECT b FROM \`${datasetId}.t\` ORDER BY b NULLS FIRST`)).toEqual([
      { b: null },
      { b: '-12345678901234567890123456789012345.12345678901234567890123456789' },
      { b: '0.000000000000000000000000000001' },
      { b: '12345678901234567890123456789012345.12345678901234567890123456789' },
    ]);
  });

  it('turns a stored BIGNUMERIC into its decimal text in CAST, FORMAT, CONCAT and TO_JSON_STRING', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const unscaled = 12345678901234567890123456789012345123456789012345678901234567890n;
    const path = await wideDecimalFile(65, 30, [-unscaled, 25n * 10n ** 28n, 10n ** 30n]);
    await load(datasetId, path);
    const text = '-12345678901234567890123456789012345.12345678901234567890123456789';

    // Act
    const rows = await query(
      `SELECT CAST(b AS STRING) AS cast, SAFE_CAST(b AS STRING) AS safe, FORMAT('%t|%T', b, b) AS format,
         CONCAT('x', b) AS concat, TO_JSON_STRING(b) AS json
       FROM \`${datasetId}.t\` ORDER BY b`,
    );

    // Assess
    expect(rows).toEqual([
      {
        cast: text,
        safe: text,
        format: `${text}|BIGNUMERIC "${text}"`,
        concat: `x${text}`,
        json: `"${text}"`,
      },
      { cast: '0.25', safe: '0.25', format: '0.25|BIGNUMERIC "0.25"', concat: 'x0.25', json: '"0.25"' },
      { cast: '1', safe: '1', format: '1|BIGNUMERIC "1"', concat: 'x1', json: '1' },
    ]);
    // An aggregate argument reaches the same text (DuckDB binds it to a typed macro overload otherwise).
    const [extremes] = await query(
      `SELECT CAST(MIN(b) AS STRING) AS low, CONCAT('x', MAX(b)) AS high FROM \`${datasetId}.t\``,
    );
    expect(extremes).toEqual({ low: text, high: 'x1' });
  });

  it('fails a wide decimal value beyond BIGNUMERIC’s range, naming the field', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await wideDecimalFile(70, 0, [10n ** 39n]);

    // Act
    const job = await load(datasetId, path, { decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC'] });

    // Assess
    expect(job.status?.errorResult?.message).toBe(
      "Error while reading data, error message: Invalid BIGNUMERIC value 1000000000000000000000000000000000000000 for field 'b': it is outside the range of BIGNUMERIC",
    );
    expect((await fixture.bigquery.dataset(datasetId).table('t').exists())[0]).toBe(false);
  });

  it('loads the largest BIGNUMERIC a DECIMAL(77,38) can hold', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await wideDecimalFile(77, 38, [2n ** 255n - 1n]);

    // Act
    await load(datasetId, path, { decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC'] });

    // Assess
    expect(await query(`SELECT b FROM \`${datasetId}.t\``)).toEqual([
      { b: '578960446186580977117854925043439539266.34992332820282019728792003956564819967' },
    ]);
  });

  it('loads a wide decimal as STRING when BIGNUMERIC cannot hold its type and STRING is listed', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await wideDecimalFile(70, 0, [10n ** 39n]);

    // Act
    await load(datasetId, path);

    // Assess
    expect(await query(`SELECT b FROM \`${datasetId}.t\``)).toEqual([
      { b: '1000000000000000000000000000000000000000' },
    ]);
  });

  it('orders and compares values that differ only in the 38th decimal', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await parquetFile(
      fixture,
      "SELECT * FROM (VALUES ('0.00000000000000000000000000000000000002'::DECIMAL(38,38), 2), ('0.00000000000000000000000000000000000001'::DECIMAL(38,38), 1), ('-0.1'::DECIMAL(38,38), 0)) AS v(b, n)",
    );
    await load(datasetId, path);

    // Act
    const rows = await query(
      `SELECT n, b = (SELECT max(b) FROM \`${datasetId}.t\`) AS is_max FROM \`${datasetId}.t\` ORDER BY b DESC`,
    );

    // Assess
    expect(rows).toEqual([
      { n: 2, is_max: true },
      { n: 1, is_max: false },
      { n: 0, is_max: false },
    ]);
  });

  it('answers arithmetic on BIGNUMERIC with a clear invalidQuery instead of rounding', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, await parquetFile(fixture, "SELECT '1.5'::DECIMAL(38,30) AS b"));

    // Act
    const error = await query(`SELECT b + 1 AS c FROM \`${datasetId}.t\``).catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalidQuery' });
    expect((error as Error).message).toMatch(/stores BIGNUMERIC exactly.*arithmetic.*not emulated/);
  });

  it('appends a NUMERIC-sized decimal into a BIGNUMERIC column made by tables.insert, exactly', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await fixture.bigquery.dataset(datasetId).createTable('t', {
      schema: { fields: [{ name: 'b', type: 'BIGNUMERIC' }] },
    });

    // Act
    await load(datasetId, await parquetFile(fixture, "SELECT '-12.50'::DECIMAL(10,2) AS b"));

    // Assess
    expect(await query(`SELECT b FROM \`${datasetId}.t\``)).toEqual([{ b: '-12.5' }]);
  });
});

import { readFile, writeFile } from 'node:fs/promises';
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

const rowsSelect = (from: number, to: number): string =>
  `SELECT range::BIGINT AS id, 'name_' || range AS name FROM range(${from}, ${to})`;

describe('BigQuery emulator load jobs (PARQUET uploads through createWriteStream)', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const load = (datasetId: string, tableId: string, path: string, options: Record<string, unknown> = {}) =>
    uploadAndWait(fixture.bigquery.dataset(datasetId).table(tableId), path, {
      ...loaderLoadOptions,
      jobId: uniqueJobId('load'),
      ...options,
    });
  const schemaOf = async (datasetId: string, tableId: string) =>
    (await fixture.bigquery.dataset(datasetId).table(tableId).getMetadata())[0].schema.fields;
  const count = async (datasetId: string, tableId: string) =>
    Number((await fixture.emulator.query(`SELECT count(*) AS n FROM "${datasetId}"."${tableId}"`))[0]?.n);

  describe.each([
    ['TINYINT', '1::TINYINT', 'INTEGER'],
    ['INTEGER', '1::INTEGER', 'INTEGER'],
    ['BIGINT', '1::BIGINT', 'INTEGER'],
    ['unsigned 64-bit in range', '1::UBIGINT', 'INTEGER'],
    ['DOUBLE', '1.5::DOUBLE', 'FLOAT'],
    ['FLOAT', '1.5::FLOAT', 'FLOAT'],
    ['BOOLEAN', 'true', 'BOOLEAN'],
    ['UTF8 string', "'x'", 'STRING'],
    ['binary', "'x'::BLOB", 'BYTES'],
    ['DATE', "DATE '2024-01-02'", 'DATE'],
    ['TIMESTAMP (micros)', "TIMESTAMP '2024-01-02 03:04:05.123456'", 'TIMESTAMP'],
    ['TIMESTAMP adjusted to UTC', "TIMESTAMPTZ '2024-01-02 03:04:05'", 'TIMESTAMP'],
    ['DECIMAL(10,2)', '1.25::DECIMAL(10,2)', 'NUMERIC'],
  ])('a Parquet %s column', (_name, expression, bigQueryType) => {
    it(`creates a ${bigQueryType} column`, async () => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      const path = await parquetFile(fixture, `SELECT ${expression} AS c`);

      // Act
      const job = await load(datasetId, 't', path);

      // Assess
      expect(job.status?.errorResult).toBeUndefined();
      expect(await schemaOf(datasetId, 't')).toEqual([{ name: 'c', type: bigQueryType, mode: 'NULLABLE' }]);
    });
  });

  it('reports statistics.load from the real counts, int64 as strings', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await parquetFile(fixture, rowsSelect(0, 250));
    const size = (await readFile(path)).length;

    // Act
    const job = await load(datasetId, 't', path);

    // Assess
    expect(job.statistics?.load).toMatchObject({
      inputFiles: '1',
      inputFileBytes: String(size),
      outputRows: '250',
      badRecords: '0',
    });
    expect(Number(job.statistics?.load?.outputBytes)).toBeGreaterThan(250 * 8);
  });

  it('appends with WRITE_APPEND', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 3)));

    // Act
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(3, 5)));

    // Assess
    expect(await count(datasetId, 't')).toBe(5);
  });

  it('replaces rows and schema with WRITE_TRUNCATE', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 3)));

    // Act
    await load(datasetId, 't', await parquetFile(fixture, 'SELECT 1.5::DOUBLE AS other'), {
      writeDisposition: 'WRITE_TRUNCATE',
    });

    // Assess
    expect(await count(datasetId, 't')).toBe(1);
    expect(await schemaOf(datasetId, 't')).toEqual([{ name: 'other', type: 'FLOAT', mode: 'NULLABLE' }]);
  });

  it('fails WRITE_EMPTY into a table that has rows', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 3)));

    // Act
    const job = await load(datasetId, 't', await parquetFile(fixture, rowsSelect(3, 4)), {
      writeDisposition: 'WRITE_EMPTY',
    });

    // Assess
    expect(job.status?.errorResult?.reason).toBe('duplicate');
    expect(await count(datasetId, 't')).toBe(3);
  });

  it('fails CREATE_NEVER when the table does not exist', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);

    // Act
    const job = await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 1)), {
      createDisposition: 'CREATE_NEVER',
    });

    // Assess
    expect(job.status?.errorResult).toEqual({
      reason: 'notFound',
      message: `Not found: Table local-project:${datasetId}.t`,
    });
  });

  it('fails a file with a new column when ALLOW_FIELD_ADDITION is not given', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 1)));

    // Act
    const job = await load(
      datasetId,
      't',
      await parquetFile(fixture, "SELECT 2::BIGINT AS id, 'n' AS name, 'new' AS extra"),
      {
        schemaUpdateOptions: [],
      },
    );

    // Assess
    expect(job.status?.errorResult).toEqual({
      reason: 'invalid',
      message: `Provided Schema does not match Table local-project:${datasetId}.t. Cannot add fields (field: extra)`,
    });
    expect(await count(datasetId, 't')).toBe(1);
  });

  it('adds a new column as NULLABLE with ALLOW_FIELD_ADDITION', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 1)));

    // Act
    const job = await load(
      datasetId,
      't',
      await parquetFile(fixture, "SELECT 2::BIGINT AS id, 'n' AS name, 7::INTEGER AS extra"),
    );

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
    expect(await schemaOf(datasetId, 't')).toContainEqual({
      name: 'extra',
      type: 'INTEGER',
      mode: 'NULLABLE',
    });
    const rows = await fixture.emulator.query(`SELECT id, extra FROM "${datasetId}".t ORDER BY id`);
    expect(rows).toEqual([
      { id: '0', extra: null },
      { id: '2', extra: '7' },
    ]);
  });

  it('fails a type conflict and leaves the table unchanged', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 2)));

    // Act
    const job = await load(datasetId, 't', await parquetFile(fixture, "SELECT 'text' AS id"));

    // Assess
    expect(job.status?.errorResult).toEqual({
      reason: 'invalid',
      message: `Provided Schema does not match Table local-project:${datasetId}.t. Field id has changed type from INTEGER to STRING`,
    });
    expect(await count(datasetId, 't')).toBe(2);
  });

  it('loads a file that lacks a NULLABLE column, leaving it NULL', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 1)));

    // Act
    const job = await load(datasetId, 't', await parquetFile(fixture, 'SELECT 5::BIGINT AS id'));

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
    expect(await fixture.emulator.query(`SELECT name FROM "${datasetId}".t WHERE id = 5`)).toEqual([
      { name: null },
    ]);
  });

  describe.each([
    ['DECIMAL(10,2)', ['NUMERIC'], 'NUMERIC'],
    ['DECIMAL(38,9)', ['NUMERIC'], 'NUMERIC'],
    ['DECIMAL(38,0)', ['NUMERIC', 'BIGNUMERIC'], 'BIGNUMERIC'],
    ['DECIMAL(20,12)', ['NUMERIC', 'BIGNUMERIC', 'STRING'], 'BIGNUMERIC'],
    ['DECIMAL(20,12)', ['NUMERIC', 'STRING'], 'STRING'],
    ['DECIMAL(10,2)', ['BIGNUMERIC', 'NUMERIC'], 'NUMERIC'],
  ])('a %s column with decimalTargetTypes %j', (decimalType, targets, expected) => {
    it(`loads as ${expected}`, async () => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      const path = await parquetFile(fixture, `SELECT 1.5::${decimalType} AS amount`);

      // Act
      const job = await load(datasetId, 't', path, { decimalTargetTypes: targets });

      // Assess
      expect(job.status?.errorResult).toBeUndefined();
      expect(await schemaOf(datasetId, 't')).toEqual([{ name: 'amount', type: expected, mode: 'NULLABLE' }]);
    });
  });

  describe.each([
    ['DECIMAL(38,0)', '1', ['NUMERIC']],
    ['DECIMAL(20,12)', '1.5', ['NUMERIC']],
  ])('a %s column whose values fit, with decimalTargetTypes %j', (decimalType, value, targets) => {
    it('loads as NUMERIC, the widest listed type, as the REST reference says', async () => {
      // Prepare
      const datasetId = await freshDataset(fixture);
      const path = await parquetFile(fixture, `SELECT ${value}::${decimalType} AS amount`);

      // Act
      const job = await load(datasetId, 't', path, { decimalTargetTypes: targets });

      // Assess
      expect(job.status?.errorResult).toBeUndefined();
      expect(await schemaOf(datasetId, 't')).toEqual([{ name: 'amount', type: 'NUMERIC', mode: 'NULLABLE' }]);
    });
  });

  describe.each([
    ['DECIMAL(38,0)', '100000000000000000000000000000', 'out of range'],
    ['DECIMAL(20,12)', '1.123456789012', 'more than 9 decimal digits'],
  ])(
    'a %s value %s that NUMERIC cannot hold, with decimalTargetTypes ["NUMERIC"]',
    (decimalType, value, why) => {
      it('fails the load, naming the field, and creates no table', async () => {
        // Prepare
        const datasetId = await freshDataset(fixture);
        const path = await parquetFile(fixture, `SELECT ${value}::${decimalType} AS amount`);

        // Act
        const job = await load(datasetId, 't', path, { decimalTargetTypes: ['NUMERIC'] });

        // Assess
        expect(job.status?.errorResult?.reason).toBe('invalid');
        expect(job.status?.errorResult?.message).toContain(`for field 'amount': ${why}`);
        expect(await fixture.bigquery.dataset(datasetId).table('t').exists()).toEqual([false]);
      });
    },
  );

  it('fails an unsigned 64-bit value above the INT64 range', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await parquetFile(fixture, 'SELECT 18446744073709551615::UBIGINT AS big');

    // Act
    const job = await load(datasetId, 't', path);

    // Assess
    expect(job.status?.errorResult?.message).toContain('out of range for INT64');
    expect(await fixture.bigquery.dataset(datasetId).table('t').exists()).toEqual([false]);
  });

  it('fails a file that is not Parquet', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = `${fixture.dir}/garbage.parquet`;
    await writeFile(path, 'this is not a parquet file at all');

    // Act
    const job = await load(datasetId, 't', path);

    // Assess
    expect(job.status).toMatchObject({ state: 'DONE', errorResult: { reason: 'invalid' } });
    expect(job.status?.errorResult?.message).toMatch(/^Error while reading data, error message: /);
  });

  it('fails a truncated Parquet file', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const whole = await readFile(await parquetFile(fixture, rowsSelect(0, 1000)));
    const path = `${fixture.dir}/truncated.parquet`;
    await writeFile(path, whole.subarray(0, Math.floor(whole.length / 2)));

    // Act
    const job = await load(datasetId, 't', path);

    // Assess
    expect(job.status?.errorResult?.reason).toBe('invalid');
  });

  it('leaves the table untouched when a WRITE_TRUNCATE load fails while reading data', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, 't', await parquetFile(fixture, rowsSelect(0, 3)));
    const whole = await readFile(await parquetFile(fixture, rowsSelect(0, 50_000)));
    const damaged = Buffer.from(whole);
    // Overwrite the data pages but keep the footer, so the schema reads and the rows do not.
    damaged.fill(0xff, 4, Math.floor(whole.length / 2));
    const path = `${fixture.dir}/damaged.parquet`;
    await writeFile(path, damaged);

    // Act
    const job = await load(datasetId, 't', path, { writeDisposition: 'WRITE_TRUNCATE' });

    // Assess
    expect(job.status?.errorResult?.reason).toBe('invalid');
    expect(await count(datasetId, 't')).toBe(3);
  });

  it('fails a load into a dataset that does not exist', async () => {
    // Act
    const job = await load('no_such_dataset', 't', await parquetFile(fixture, rowsSelect(0, 1)));

    // Assess
    expect(job.status?.errorResult).toEqual({
      reason: 'notFound',
      message: 'Not found: Dataset local-project:no_such_dataset',
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bignumericFromDecimalSql } from '../../local/bigquery-emulator/store/bignumeric.js';
import { apiError, type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';

/** ALTER COLUMN SET DATA TYPE through the production client's query path, as the loader sends it. */
describe('BigQuery emulator: ALTER COLUMN SET DATA TYPE', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  /** A table `t` with one column of `type` holding `value`; returns its dataset. */
  const tableWith = async (type: string, value: string): Promise<string> => {
    const dataset = await freshDataset(fixture);
    await fixture.bigquery.dataset(dataset).createTable('t', { schema: { fields: [{ name: 'c', type }] } });
    // A BIGNUMERIC is stored as an exact scaled integer, not a DuckDB number (store/bignumeric.ts).
    const stored = type === 'BIGNUMERIC' ? bignumericFromDecimalSql(value, 0) : value;
    await fixture.emulator.query(`INSERT INTO "${dataset}"."t" VALUES (${stored})`);
    return dataset;
  };
  const columnType = async (dataset: string): Promise<string | undefined> => {
    const [metadata] = await fixture.bigquery.dataset(dataset).table('t').getMetadata();
    return metadata.schema?.fields?.[0]?.type;
  };

  it.each([
    { from: 'INT64', to: 'NUMERIC', expected: 'NUMERIC' },
    { from: 'INT64', to: 'BIGNUMERIC', expected: 'BIGNUMERIC' },
    { from: 'INT64', to: 'FLOAT64', expected: 'FLOAT' },
    { from: 'NUMERIC', to: 'BIGNUMERIC', expected: 'BIGNUMERIC' },
    { from: 'NUMERIC', to: 'FLOAT64', expected: 'FLOAT' },
    { from: 'BIGNUMERIC', to: 'FLOAT64', expected: 'FLOAT' },
  ])('widens $from to $to and keeps the values', async ({ from, to, expected }) => {
    // Prepare
    const dataset = await tableWith(from, '42');

    // Act
    await fixture.bigquery.query(
      `ALTER TABLE \`local-project.${dataset}.t\` ALTER COLUMN c SET DATA TYPE ${to}`,
    );

    // Assess
    expect(await columnType(dataset)).toBe(expected);
    const [rows] = await fixture.bigquery.query(`SELECT c FROM \`${dataset}.t\``);
    expect(Number(rows[0]?.c)).toBe(42);
  });

  it.each([
    { from: 'FLOAT64', to: 'INT64', value: '1.5' },
    { from: 'NUMERIC', to: 'INT64', value: '1' },
    { from: 'INT64', to: 'STRING', value: '1' },
    { from: 'STRING', to: 'INT64', value: "'1'" },
    { from: 'FLOAT64', to: 'NUMERIC', value: '1.5' },
  ])('refuses $from to $to in BigQuery words and leaves the table alone', async ({ from, to, value }) => {
    // Prepare
    const dataset = await tableWith(from, value);
    const before = await columnType(dataset);

    // Act
    const error = await fixture.bigquery
      .query(`ALTER TABLE ${dataset}.t ALTER COLUMN c SET DATA TYPE ${to}`)
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalidQuery' });
    expect((error as Error).message).toBe(
      `ALTER TABLE ALTER COLUMN SET DATA TYPE requires that the existing column type (${from}) is assignable to the new type (${to})`,
    );
    expect(await columnType(dataset)).toBe(before);
  });

  it('answers a missing column with invalidQuery naming it', async () => {
    // Prepare
    const dataset = await tableWith('INT64', '1');

    // Act
    const error = await fixture.bigquery
      .query(`ALTER TABLE ${dataset}.t ALTER COLUMN nope SET DATA TYPE NUMERIC`)
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalidQuery' });
    expect((error as Error).message).toContain('nope');
  });

  it('answers a missing table with notFound', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);

    // Act
    const error = await fixture.bigquery
      .query(`ALTER TABLE ${dataset}.none ALTER COLUMN c SET DATA TYPE NUMERIC`)
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 404, reason: 'notFound' });
  });
});

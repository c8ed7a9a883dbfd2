import type { TableField } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';

const columns = (n: number): TableField[] =>
  Array.from({ length: n }, (_, i) => ({ name: `k${i}`, type: 'INTEGER' }));

describe('emulated tables API: what BigQuery refuses for CDC tables', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(() => fixture.stop());

  const create = async (fields: TableField[], key: string[], clustering?: string[]) => {
    const dataset = await freshDataset(fixture);
    const created = await fixture.bigquery
      .dataset(dataset)
      .createTable('t', {
        schema: { fields },
        tableConstraints: { primaryKey: { columns: key } },
        ...(clustering ? { clustering: { fields: clustering } } : {}),
      })
      .then(
        () => 'created' as const,
        (e: unknown) => e,
      );
    return { dataset, created };
  };

  it('accepts a 16-column primary key', async () => {
    // Act
    const { created } = await create(
      columns(16),
      columns(16).map((field) => field.name ?? ''),
    );

    // Assess
    expect(created).toBe('created');
  });

  it('refuses a 17-column primary key', async () => {
    // Act
    const { dataset, created } = await create(
      columns(17),
      columns(17).map((field) => field.name ?? ''),
    );

    // Assess
    expect(apiError(created)).toEqual({ code: 400, reason: 'invalid' });
    expect((created as Error).message).toBe(
      `Primary key of table local-project:${dataset}.t has 17 columns; primary keys cannot exceed 16 columns`,
    );
  });

  it.each(['FLOAT', 'BYTES', 'TIME', 'JSON'])('refuses a primary key column of type %s', async (type) => {
    // Act
    const { dataset, created } = await create([{ name: 'id', type }], ['id']);

    // Assess
    expect(apiError(created)).toEqual({ code: 400, reason: 'invalid' });
    expect((created as Error).message).toMatch(
      new RegExp(
        `^Primary key column id of table local-project:${dataset}\\.t has type ${type}; primary key columns must be`,
      ),
    );
  });

  it.each([
    'INTEGER',
    'INT64',
    'STRING',
    'NUMERIC',
    'BIGNUMERIC',
    'BOOLEAN',
    'DATE',
    'DATETIME',
    'TIMESTAMP',
  ])('accepts a primary key column of type %s', async (type) => {
    // Act
    const { created } = await create([{ name: 'id', type }], ['id']);

    // Assess
    expect(created).toBe('created');
  });

  it('refuses more than four clustering columns with BigQuery’s words', async () => {
    // Act
    const { created } = await create(columns(5), ['k0'], ['k0', 'k1', 'k2', 'k3', 'k4']);

    // Assess
    expect(apiError(created)).toEqual({ code: 400, reason: 'invalid' });
    expect((created as Error).message).toBe('5 clustering fields specified, exceeding the limit of 4.');
  });

  it('appends a column to a CDC table on tables.patch, keeping its key, clustering, staleness and rows', async () => {
    // Prepare
    const { dataset } = await create(columns(2), ['k0'], ['k0']);
    const table = fixture.bigquery.dataset(dataset).table('t');
    await table.setMetadata({ maxStaleness: '0-0 0 0:15:0' });
    await fixture.emulator.query(`INSERT INTO "${dataset}".t VALUES (1, 2)`);

    // Act
    await table.setMetadata({ schema: { fields: [...columns(2), { name: 'note', type: 'STRING' }] } });

    // Assess
    const [metadata] = await table.getMetadata();
    expect(metadata).toMatchObject({
      schema: {
        fields: [{ name: 'k0' }, { name: 'k1' }, { name: 'note', type: 'STRING', mode: 'NULLABLE' }],
      },
      tableConstraints: { primaryKey: { columns: ['k0'] } },
      clustering: { fields: ['k0'] },
      maxStaleness: '0-0 0 0:15:0',
      numRows: '1',
    });
  });

  it('refuses a tables.patch that clusters by more than four columns', async () => {
    // Prepare
    const { dataset } = await create(columns(5), ['k0'], ['k0']);

    // Act
    const patched = await fixture.bigquery
      .dataset(dataset)
      .table('t')
      .setMetadata({ clustering: { fields: ['k0', 'k1', 'k2', 'k3', 'k4'] } })
      .catch((e: unknown) => e);

    // Assess
    expect((patched as Error).message).toBe('5 clustering fields specified, exceeding the limit of 4.');
  });

  it('deletes a CDC table on tables.delete', async () => {
    // Prepare
    const { dataset } = await create(columns(1), ['k0'], ['k0']);
    const table = fixture.bigquery.dataset(dataset).table('t');

    // Act
    await table.delete();

    // Assess
    const [exists] = await table.exists();
    expect(exists).toBe(false);
  });
});

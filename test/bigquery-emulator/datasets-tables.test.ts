import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';

describe('BigQuery emulator datasets and tables (through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('creates a dataset that get and list return', async () => {
    // Prepare
    const id = `created_${process.pid}`;

    // Act
    await fixture.bigquery.createDataset(id, { labels: { team: 'data' } });

    // Assess
    const [metadata] = await fixture.bigquery.dataset(id).getMetadata();
    const [datasets] = await fixture.bigquery.getDatasets();
    expect(metadata).toMatchObject({ id: `local-project:${id}`, location: 'US', labels: { team: 'data' } });
    expect(datasets.map((dataset) => dataset.id)).toContain(id);
  });

  it('answers 409 duplicate when a dataset is created twice', async () => {
    // Prepare
    const id = await freshDataset(fixture);

    // Act
    const error = await fixture.bigquery.createDataset(id).catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 409, reason: 'duplicate' });
    expect((error as Error).message).toBe(`Already Exists: Dataset local-project:${id}`);
  });

  it('answers 404 notFound for an unknown dataset', async () => {
    // Act
    const error = await fixture.bigquery
      .dataset('missing_ds')
      .getMetadata()
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 404, reason: 'notFound' });
    expect((error as Error).message).toBe('Not found: Dataset local-project:missing_ds');
  });

  it('refuses to delete a dataset that holds tables unless deleteContents is set', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    await fixture.bigquery
      .dataset(id)
      .createTable('t', { schema: { fields: [{ name: 'a', type: 'STRING' }] } });

    // Act
    const refused = await fixture.bigquery
      .dataset(id)
      .delete()
      .catch((e: unknown) => e);
    await fixture.bigquery.dataset(id).delete({ force: true });

    // Assess
    expect(apiError(refused)).toEqual({ code: 400, reason: 'resourceInUse' });
    const [exists] = await fixture.bigquery.dataset(id).exists();
    expect(exists).toBe(false);
  });

  it('stores a table schema with legacy type names, partitioning and clustering', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    const options = {
      schema: {
        fields: [
          { name: 'id', type: 'INT64', mode: 'REQUIRED' },
          { name: 'amount', type: 'NUMERIC' },
          { name: 'seen', type: 'TIMESTAMP' },
          { name: 'ok', type: 'BOOL' },
        ],
      },
      timePartitioning: { type: 'DAY' },
      clustering: { fields: ['id'] },
    };

    // Act
    await fixture.bigquery.dataset(id).createTable('t', options);

    // Assess
    const [metadata] = await fixture.bigquery.dataset(id).table('t').getMetadata();
    expect(metadata).toMatchObject({
      type: 'TABLE',
      numRows: '0',
      timePartitioning: { type: 'DAY' },
      clustering: { fields: ['id'] },
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
          { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE' },
          { name: 'seen', type: 'TIMESTAMP', mode: 'NULLABLE' },
          { name: 'ok', type: 'BOOLEAN', mode: 'NULLABLE' },
        ],
      },
    });
  });

  it('lists the tables of a dataset', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    await fixture.bigquery.dataset(id).createTable('b', { schema: 'x:STRING' });
    await fixture.bigquery.dataset(id).createTable('a', { schema: 'x:STRING' });

    // Act
    const [tables] = await fixture.bigquery.dataset(id).getTables();

    // Assess
    expect(tables.map((table) => table.id)).toEqual(['a', 'b']);
  });

  it('adds a NULLABLE column when a patch appends a field', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    const [table] = await fixture.bigquery.dataset(id).createTable('t', { schema: 'a:STRING' });

    // Act
    await table.setMetadata({
      schema: {
        fields: [
          { name: 'a', type: 'STRING' },
          { name: 'b', type: 'INTEGER' },
        ],
      },
    });

    // Assess
    const [metadata] = await table.getMetadata();
    expect(metadata.schema.fields).toEqual([
      { name: 'a', type: 'STRING', mode: 'NULLABLE' },
      { name: 'b', type: 'INTEGER', mode: 'NULLABLE' },
    ]);
    const columns = await fixture.emulator.query(
      `SELECT column_name FROM duckdb_columns() WHERE schema_name = '${id}' AND table_name = 't'`,
    );
    expect(columns.map((column) => column.column_name)).toEqual(['a', 'b']);
  });

  it('rejects a patch that changes a column type with 400 invalid', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    const [table] = await fixture.bigquery.dataset(id).createTable('t', { schema: 'a:STRING' });

    // Act
    const error = await table
      .setMetadata({ schema: { fields: [{ name: 'a', type: 'INTEGER' }] } })
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalid' });
    expect((error as Error).message).toContain('Field a has changed type from STRING to INTEGER');
  });

  it('deletes a table, after which get answers 404 notFound', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    const [table] = await fixture.bigquery.dataset(id).createTable('t', { schema: 'a:STRING' });

    // Act
    await table.delete();

    // Assess
    const error = await table.getMetadata().catch((e: unknown) => e);
    expect(apiError(error)).toEqual({ code: 404, reason: 'notFound' });
    expect((error as Error).message).toBe(`Not found: Table local-project:${id}.t`);
  });

  it('lists table rows with tabledata.list, typed by the table schema', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    const [table] = await fixture.bigquery
      .dataset(id)
      .createTable('t', { schema: 'id:INTEGER,seen:TIMESTAMP' });
    await fixture.emulator.query(
      `INSERT INTO ${id}.t VALUES (2, TIMESTAMPTZ '2024-01-02 00:00:00+00'), (1, NULL)`,
    );

    // Act
    const [rows] = await table.getRows();

    // Assess
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: 2, seen: { value: '2024-01-02T00:00:00.000Z' } });
  });

  it('creates a view from tables.insert that is gettable as type VIEW and queryable', async () => {
    // Prepare
    const id = await freshDataset(fixture);
    await fixture.emulator.query(`CREATE TABLE ${id}.base AS SELECT 1::BIGINT AS a`);

    // Act
    await fixture.bigquery
      .dataset(id)
      .createTable('v', { view: { query: `SELECT a + 1 AS b FROM \`${id}.base\``, useLegacySql: false } });

    // Assess
    const [metadata] = await fixture.bigquery.dataset(id).table('v').getMetadata();
    const [rows] = await fixture.bigquery.query(`SELECT b FROM \`local-project.${id}.v\``);
    expect(metadata).toMatchObject({ type: 'VIEW', schema: { fields: [{ name: 'b', type: 'INTEGER' }] } });
    expect(rows).toEqual([{ b: 2 }]);
  });
});

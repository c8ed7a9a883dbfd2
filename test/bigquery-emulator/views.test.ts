import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';

describe('BigQuery emulator: views through tables.insert and tables.patch', () => {
  let fixture: EmulatorFixture;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });

  afterAll(async () => {
    await fixture.stop();
  });

  const baseTable = async (): Promise<string> => {
    const id = await freshDataset(fixture);
    await fixture.emulator.query(`CREATE TABLE ${id}.base AS SELECT 1::BIGINT AS a`);
    return id;
  };

  it('refuses a view whose useLegacySql is left at the API default (true)', async () => {
    // Prepare
    const id = await baseTable();

    // Act
    const created = fixture.bigquery
      .dataset(id)
      .createTable('v', { view: { query: `SELECT a FROM \`local-project.${id}.base\`` } });

    // Assess
    await expect(created).rejects.toMatchObject({
      code: 400,
      message: expect.stringContaining('useLegacySql'),
    });
  });

  it('replaces a view’s query on tables.patch', async () => {
    // Prepare
    const id = await baseTable();
    const view = fixture.bigquery.dataset(id).table('v');
    await fixture.bigquery.dataset(id).createTable('v', {
      view: { query: `SELECT a FROM \`local-project.${id}.base\``, useLegacySql: false },
    });

    // Act
    await view.setMetadata({
      view: { query: `SELECT a * 10 AS tenfold FROM \`local-project.${id}.base\``, useLegacySql: false },
    });

    // Assess
    const [metadata] = await view.getMetadata();
    const [rows] = await fixture.bigquery.query(`SELECT * FROM \`local-project.${id}.v\``);
    expect(metadata).toMatchObject({
      type: 'VIEW',
      view: { query: `SELECT a * 10 AS tenfold FROM \`local-project.${id}.base\``, useLegacySql: false },
      schema: { fields: [{ name: 'tenfold', type: 'INTEGER' }] },
    });
    expect(rows).toEqual([{ tenfold: 10 }]);
  });

  it('keeps the labels and description a view was created with, through a tables.patch of its query', async () => {
    // Prepare: tables.patch "only replaces fields that are provided in the submitted table resource".
    const id = await baseTable();
    const view = fixture.bigquery.dataset(id).table('v');
    await fixture.bigquery.dataset(id).createTable('v', {
      view: { query: `SELECT a FROM \`local-project.${id}.base\``, useLegacySql: false },
      labels: { owner: 'pipeline' },
      description: 'made by a test',
    });

    // Act
    const [created] = await view.getMetadata();
    await view.setMetadata({
      view: { query: `SELECT a + 1 AS b FROM \`local-project.${id}.base\``, useLegacySql: false },
    });
    const [patched] = await view.getMetadata();

    // Assess
    expect(created).toMatchObject({ labels: { owner: 'pipeline' }, description: 'made by a test' });
    expect(patched).toMatchObject({
      labels: { owner: 'pipeline' },
      description: 'made by a test',
      view: { query: `SELECT a + 1 AS b FROM \`local-project.${id}.base\`` },
    });
  });

  it('refuses a view over a table that does not exist', async () => {
    // Prepare
    const id = await freshDataset(fixture);

    // Act
    const created = fixture.bigquery.dataset(id).createTable('v', {
      view: { query: `SELECT a FROM \`local-project.${id}.missing\``, useLegacySql: false },
    });

    // Assess
    await expect(created).rejects.toMatchObject({ message: expect.stringContaining('missing') });
  });

  it("refuses a view query with a syntax error at its line and column, in BigQuery's words", async () => {
    // Prepare
    const id = await freshDataset(fixture);

    // Act
    const created = fixture.bigquery.dataset(id).createTable('v', {
      view: { query: 'SELECT 1 AS a\nFROM (SELECT 2) WHERE WHERE', useLegacySql: false },
    });

    // Assess
    await expect(created).rejects.toMatchObject({
      message: 'Invalid view query: Syntax error: Unexpected keyword WHERE at [2:23]',
    });
  });
});

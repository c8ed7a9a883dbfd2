import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';

describe('emulator tables.testIamPermissions', () => {
  let emulator: BigQueryEmulator;
  let bigquery: BigQuery;

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0 });
    bigquery = new BigQuery(emulator.clientOptions);
    const [dataset] = await bigquery.createDataset('d');
    await dataset.createTable('t', { schema: { fields: [{ name: 'id', type: 'INTEGER' }] } });
  });

  afterAll(async () => {
    await emulator.stop();
  });

  const test = (table: string, permissions: string[]) =>
    fetch(
      `${emulator.url}/bigquery/v2/projects/${emulator.projectId}/datasets/d/tables/${table}:testIamPermissions`,
      {
        method: 'POST',
        body: JSON.stringify({ permissions }),
      },
    ).then((response) => response.json());

  it('grants every permission asked, except those denied through /_emulator/iam', async () => {
    // Prepare
    await fetch(`${emulator.url}/_emulator/iam`, {
      method: 'POST',
      body: JSON.stringify({ denied: ['bigquery.tables.delete'] }),
    });

    // Act
    const body = await test('t', ['bigquery.tables.get', 'bigquery.tables.delete']);

    // Assess
    expect(body).toEqual({ permissions: ['bigquery.tables.get'] });
  });

  it('answers an empty set, not NOT_FOUND, for a table that does not exist (as documented)', async () => {
    // Act
    const body = await test('missing', ['bigquery.tables.get']);

    // Assess
    expect(body).toEqual({});
  });
});

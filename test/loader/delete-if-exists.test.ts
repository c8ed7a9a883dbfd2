import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { deleteIfExists } from '../../lambdas/shared/bigquery/tables.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';

/** `deleteIfExists` against the emulator through the production client. */
describe('deleteIfExists', { timeout: 60_000 }, () => {
  let emulator: BigQueryEmulator;
  let bigquery: BigQuery;
  const DATASET = 'delete_if_exists';

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0, jobStateDelayMs: 0 });
    bigquery = createBigQueryClient({
      projectId: emulator.projectId,
      location: emulator.location,
      credentials: { kind: 'none' },
      apiEndpoint: emulator.url,
      retryOptions: { autoRetry: false },
    });
    await bigquery.createDataset(DATASET, { location: emulator.location });
  });
  afterEach(() => emulator.faults.reset());
  afterAll(async () => emulator?.stop());

  const exists = async (name: string) => (await bigquery.dataset(DATASET).table(name).exists())[0];

  it('deletes a table', async () => {
    // Prepare
    await bigquery
      .dataset(DATASET)
      .createTable('present', { schema: { fields: [{ name: 'a', type: 'STRING' }] } });

    // Act
    await deleteIfExists(bigquery.dataset(DATASET).table('present'));

    // Assess
    expect(await exists('present')).toBe(false);
  });

  it('counts a table that is already gone as deleted', async () => {
    // Act
    const deleting = deleteIfExists(bigquery.dataset(DATASET).table('never_created'));

    // Assess
    await expect(deleting).resolves.toBeUndefined();
  });

  it('passes on any other failure of tables.delete, leaving the table', async () => {
    // Prepare
    await bigquery
      .dataset(DATASET)
      .createTable('guarded', { schema: { fields: [{ name: 'a', type: 'STRING' }] } });
    emulator.faults.failNext({
      method: 'DELETE',
      path: '/tables/guarded',
      status: 403,
      reason: 'accessDenied',
      message:
        'Access Denied: Table local-project:delete_if_exists.guarded: Permission bigquery.tables.delete denied',
    });

    // Act
    const deleting = deleteIfExists(bigquery.dataset(DATASET).table('guarded'));

    // Assess
    await expect(deleting).rejects.toMatchObject({ code: 403, errors: [{ reason: 'accessDenied' }] });
    expect(await exists('guarded')).toBe(true);
  });
});

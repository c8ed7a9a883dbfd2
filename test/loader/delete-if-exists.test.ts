import { describe, expect, it } from 'vitest';
import { deleteIfExists } from '../../lambdas/shared/bigquery/tables.js';
import { useEmulatorClient } from './emulator-client.js';

/** `deleteIfExists` against the emulator through the production client. */
describe('deleteIfExists', { timeout: 60_000 }, () => {
  const DATASET = 'delete_if_exists';

  const fixture = useEmulatorClient(DATASET);

  const exists = async (name: string) => (await fixture.bigquery.dataset(DATASET).table(name).exists())[0];

  it('deletes a table', async () => {
    // Prepare
    await fixture.bigquery
      .dataset(DATASET)
      .createTable('present', { schema: { fields: [{ name: 'a', type: 'STRING' }] } });

    // Act
    await deleteIfExists(fixture.bigquery.dataset(DATASET).table('present'));

    // Assess
    expect(await exists('present')).toBe(false);
  });

  it('counts a table that is already gone as deleted', async () => {
    // Act
    const deleting = deleteIfExists(fixture.bigquery.dataset(DATASET).table('never_created'));

    // Assess
    await expect(deleting).resolves.toBeUndefined();
  });

  it('passes on any other failure of tables.delete, leaving the table', async () => {
    // Prepare
    await fixture.bigquery
      .dataset(DATASET)
      .createTable('guarded', { schema: { fields: [{ name: 'a', type: 'STRING' }] } });
    fixture.emulator.faults.failNext({
      method: 'DELETE',
      path: '/tables/guarded',
      status: 403,
      reason: 'accessDenied',
      message:
        'Access Denied: Table local-project:delete_if_exists.guarded: Permission bigquery.tables.delete denied',
    });

    // Act
    const deleting = deleteIfExists(fixture.bigquery.dataset(DATASET).table('guarded'));

    // Assess
    await expect(deleting).rejects.toMatchObject({ code: 403, errors: [{ reason: 'accessDenied' }] });
    expect(await exists('guarded')).toBe(true);
  });
});

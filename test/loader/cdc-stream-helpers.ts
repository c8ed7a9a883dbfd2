import type { TableField } from '@google-cloud/bigquery';
import type { CdcTarget, ChangeRow } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { type EmulatorFixture, freshDataset } from '../bigquery-emulator/helpers.js';

/** Creates a CDC table (primary key, clustering) through tables.insert and returns its target. */
export async function cdcTable(
  fixture: EmulatorFixture,
  fields: TableField[],
  primaryKey: string[] = ['id'],
): Promise<CdcTarget> {
  const dataset = await freshDataset(fixture);
  await fixture.bigquery.dataset(dataset).createTable('t_current', {
    schema: { fields },
    tableConstraints: { primaryKey: { columns: primaryKey } },
    clustering: { fields: primaryKey },
  });
  return { projectId: fixture.emulator.projectId, dataset, table: 't_current', fields };
}

export const upsert = (values: Record<string, unknown>, sequence: string): ChangeRow => ({
  values,
  changeType: 'UPSERT',
  sequence,
});

export const remove = (values: Record<string, unknown>, sequence: string): ChangeRow => ({
  values,
  changeType: 'DELETE',
  sequence,
});

/** The table's rows through a query with the production client, ordered by `id`. */
export async function currentRows(
  fixture: EmulatorFixture,
  target: CdcTarget,
): Promise<Record<string, unknown>[]> {
  const [rows] = await fixture.bigquery.query(
    `SELECT * FROM \`${target.dataset}.${target.table}\` ORDER BY id`,
  );
  return rows as Record<string, unknown>[];
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}

import type { Table } from '@google-cloud/bigquery';
import { isNotFound } from './errors.js';

/** tables.delete that counts a table already gone (another worker, an operator) as done. */
export async function deleteIfExists(table: Table): Promise<void> {
  try {
    await table.delete();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

import type { DuckDBConnection } from '@duckdb/node-api';
import type { EmulatorClock } from '../clock.js';
import { quoteString } from '../types.js';
import { MetadataStore } from './metadata.js';
import type { TableResource } from './resources.js';

/**
 * When each table's schema last changed, on the emulator's clock: columns added (tables.patch, a load
 * that adds columns) and tables dropped (so a table created again under a dropped name is known).
 * The Storage Write API sees these changes only after the propagation delay (ADR 0028). Kept in the
 * warehouse file, so a later process with a shifted clock sees old changes as old.
 */
const CHANGES = `${MetadataStore.reservedSchema}.schema_changes`;

/** What the Storage Write API does not see yet of a table's schema. */
export interface PendingSchema {
  /** The table replaced a dropped one of the same name less than the delay ago. */
  recreated: boolean;
  /** Columns (lower case) added less than the delay ago. */
  columns: Set<string>;
}

const nameOf = (table: TableResource): string =>
  `${table.tableReference.datasetId}.${table.tableReference.tableId}`;

export class SchemaHistory {
  constructor(private readonly clock: EmulatorClock) {}

  static async init(connection: DuckDBConnection): Promise<void> {
    // `created` is the table's creationTime for an added column, NULL for a drop.
    await connection.run(
      `CREATE TABLE IF NOT EXISTS ${CHANGES} (table_name VARCHAR, created VARCHAR, column_name VARCHAR, changed_at BIGINT)`,
    );
  }

  /** Catalog hook: records the columns `next` has that `previous` (the same table) had not. */
  readonly saved = async (
    connection: DuckDBConnection,
    previous: TableResource | undefined,
    next: TableResource,
  ): Promise<void> => {
    if (next.type !== 'TABLE' || previous?.creationTime !== next.creationTime) return;
    const before = new Set(previous.schema.fields.map((field) => field.name.toLowerCase()));
    const added = next.schema.fields.filter((field) => !before.has(field.name.toLowerCase()));
    const now = Math.floor(this.clock.now());
    for (const field of added) {
      await connection.run(
        `INSERT INTO ${CHANGES} VALUES (${quoteString(nameOf(next))}, ${quoteString(next.creationTime)}, ${quoteString(field.name.toLowerCase())}, ${now})`,
      );
    }
  };

  /** Catalog hook: records that a table of this name was dropped. */
  readonly dropped = async (connection: DuckDBConnection, datasetId: string, tableId: string) => {
    await connection.run(
      `INSERT INTO ${CHANGES} VALUES (${quoteString(`${datasetId}.${tableId}`)}, NULL, NULL, ${Math.floor(this.clock.now())})`,
    );
  };

  /** The changes to `table` made less than `delayMs` ago on the clock. */
  async pending(connection: DuckDBConnection, table: TableResource, delayMs: number): Promise<PendingSchema> {
    const now = this.clock.now();
    const created = Number(table.creationTime);
    const reader = await connection.runAndReadAll(
      `SELECT created, column_name, changed_at FROM ${CHANGES} WHERE table_name = ${quoteString(nameOf(table))}
       AND (created = ${quoteString(table.creationTime)} OR (created IS NULL AND changed_at <= ${created}))`,
    );
    const pending: PendingSchema = { recreated: false, columns: new Set() };
    for (const record of reader.getRowObjectsJson()) {
      if (record.created === null) pending.recreated = now - created < delayMs;
      else if (now - Number(record.changed_at) < delayMs) pending.columns.add(String(record.column_name));
    }
    return pending;
  }
}

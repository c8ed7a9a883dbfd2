import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteString } from '../types.js';
import type { Warehouse } from './warehouse.js';

const schema = '_bq_emulator';
export type MetadataKind = 'datasets' | 'tables' | 'jobs';

/**
 * Resources (datasets, tables, jobs) as JSON in a reserved DuckDB schema, so a file-backed warehouse
 * remembers its job IDs across restarts — the loader's idempotency depends on them. The emulator keeps
 * the live copy in memory; this store is written through and read once at start.
 * Catalog writes pass the connection of the exclusive write that changed the data, so both commit
 * together; job writes go through their own queue and never wait for a running load.
 */
export class MetadataStore {
  private jobQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly warehouse: Warehouse) {}

  static readonly reservedSchema = schema;

  async init(): Promise<void> {
    await this.warehouse.exclusive(async (connection) => {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      for (const kind of ['datasets', 'tables', 'jobs'] as const) {
        await connection.run(
          `CREATE TABLE IF NOT EXISTS ${schema}.${kind} (key VARCHAR PRIMARY KEY, resource VARCHAR NOT NULL)`,
        );
      }
    });
  }

  async load<T>(kind: MetadataKind): Promise<Map<string, T>> {
    const rows = await this.warehouse.rows(`SELECT key, resource FROM ${schema}.${kind}`);
    return new Map(rows.map((row) => [String(row.key), JSON.parse(String(row.resource)) as T]));
  }

  put(connection: DuckDBConnection, kind: MetadataKind, key: string, resource: unknown): Promise<unknown> {
    return connection.run(
      `INSERT OR REPLACE INTO ${schema}.${kind} VALUES (${quoteString(key)}, ${quoteString(JSON.stringify(resource))})`,
    );
  }

  remove(connection: DuckDBConnection, kind: MetadataKind, key: string): Promise<unknown> {
    return connection.run(`DELETE FROM ${schema}.${kind} WHERE key = ${quoteString(key)}`);
  }

  /** Queues a job write; `flush` waits for all of them (at stop). */
  putJob(key: string, resource: unknown): void {
    const json = JSON.stringify(resource);
    this.jobQueue = this.jobQueue
      .then(() =>
        this.warehouse.withConnection((connection) => this.put(connection, 'jobs', key, JSON.parse(json))),
      )
      .catch(() => undefined);
  }

  flush(): Promise<unknown> {
    return this.jobQueue;
  }
}

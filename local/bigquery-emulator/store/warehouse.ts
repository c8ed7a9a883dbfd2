import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { EmulatorClock } from '../clock.js';

export type Row = Record<string, unknown>;

/**
 * The DuckDB variable holding the emulator clock's time on every connection: GoogleSQL's
 * CURRENT_TIMESTAMP/CURRENT_DATE/CURRENT_DATETIME read it (`clockNowSql`), so queries and views see
 * the emulator's time, fixed when the statement's connection opens, as BigQuery fixes it per query.
 */
const NOW_VARIABLE = 'bq_emulator_now';

/** The clock's time in SQL; DuckDB's own time where no clock was set (a file opened elsewhere). */
export const clockNowSql = `coalesce(CAST(getvariable('${NOW_VARIABLE}') AS TIMESTAMPTZ), current_timestamp)`;

/**
 * The DuckDB database behind the emulator. Every operation takes its own connection so that reads
 * (tables.get row counts, queries) are never stuck behind a long load: DuckDB's MVCC lets them see the
 * last committed state. Writes that change data or catalog go through `exclusive`, one at a time,
 * which keeps DuckDB's optimistic concurrency from failing two loads into the same table.
 */
export class Warehouse {
  private writeQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly clock: EmulatorClock | undefined,
  ) {}

  static async open(
    dbPath: string | undefined,
    memoryLimit: string,
    clock?: EmulatorClock,
  ): Promise<Warehouse> {
    // A new file is written in storage v1.4.0, the first that stores typed macros (query/macros.ts),
    // so the views in it also run in a plain DuckDB (1.4 or later) that opens it.
    const instance = await DuckDBInstance.create(dbPath ?? ':memory:', {
      memory_limit: memoryLimit,
      storage_compatibility_version: 'v1.4.0',
    });
    return new Warehouse(instance, clock);
  }

  /** Runs `fn` on a fresh connection set to UTC, as BigQuery's TIMESTAMP is, and to the clock's time. */
  async withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const connection = await this.instance.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      if (this.clock !== undefined) {
        const micros = BigInt(Math.round(this.clock.now() * 1000));
        await connection.run(`SET VARIABLE ${NOW_VARIABLE} = make_timestamptz(${micros})`);
      }
      return await fn(connection);
    } finally {
      connection.closeSync();
    }
  }

  /** Serialises data and catalog writes; readers are not blocked. */
  exclusive<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(() => this.withConnection(fn));
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  /** Rows as JSON-safe values (BIGINT and DECIMAL become strings). */
  rows(sql: string): Promise<Row[]> {
    return this.withConnection(async (connection) =>
      (await connection.runAndReadAll(sql)).getRowObjectsJson(),
    );
  }

  close(): void {
    this.instance.closeSync();
  }
}

export async function inTransaction<T>(connection: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await fn();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}

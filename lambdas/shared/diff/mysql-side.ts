import type { Connection } from 'mysql2/promise';
import { mysqlDialect } from './dialect.js';
import type { DiffSide } from './side.js';

export interface MysqlSide extends DiffSide {
  /** A string literal, escaped by the driver for this connection. */
  quote(value: string): string;
  /** Ends the read-only transaction and the connection. */
  close(): Promise<void>;
}

/**
 * The source through one connection in a read-only transaction with a consistent snapshot: every
 * level of the diff sees the same rows, and the session can change nothing. UTC so DATETIME and
 * TIMESTAMP print as DMS wrote them; utf8mb4 so MD5 hashes the same bytes BigQuery's STRING holds.
 */
export async function mysqlSide(connection: Connection): Promise<MysqlSide> {
  await connection.query("SET NAMES utf8mb4, time_zone = '+00:00'");
  await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  const quote = (value: string): string => connection.escape(value);
  const side: MysqlSide = {
    label: 'source',
    dialect: mysqlDialect(quote),
    quote,
    queries: 0,
    async query(sql) {
      side.queries++;
      const [rows] = await connection.query(sql);
      return rows as Record<string, unknown>[];
    },
    async close() {
      await connection.query('ROLLBACK').catch(() => undefined);
      await connection.end();
    },
  };
  return side;
}

export interface MysqlColumn {
  name: string;
  /** COLUMN_TYPE, lower case: `decimal(18,2)`, `tinyint(1)`, `int(11) unsigned`. */
  type: string;
}

/** The table's columns in order, from information_schema; empty when the table does not exist. */
export async function mysqlColumns(side: MysqlSide, schema: string, table: string): Promise<MysqlColumn[]> {
  const { quote } = side;
  const rows = await side.query(
    `SELECT COLUMN_NAME AS name, LOWER(COLUMN_TYPE) AS type FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${quote(schema)} AND TABLE_NAME = ${quote(table)} ORDER BY ORDINAL_POSITION`,
  );
  return rows.map((row) => ({ name: String(row.name), type: String(row.type) }));
}

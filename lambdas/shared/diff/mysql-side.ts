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

/**
 * The table's columns in order, from information_schema; empty when the table does not exist.
 * MariaDB's JSON is an alias of LONGTEXT with a `json_valid(col)` check (MariaDB "JSON Data Type"),
 * so there the check, not the type, says JSON; MySQL's CHECK_CONSTRAINTS has no TABLE_NAME to join.
 */
export async function mysqlColumns(side: MysqlSide, schema: string, table: string): Promise<MysqlColumn[]> {
  const { quote } = side;
  const [version] = await side.query('SELECT VERSION() AS v');
  const mariadb = /mariadb/i.test(String(version?.v ?? ''));
  const type = mariadb
    ? `CASE WHEN EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k WHERE k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.CHECK_CLAUSE = CONCAT('json_valid(\`', c.COLUMN_NAME, '\`)')) THEN 'json' ELSE LOWER(c.COLUMN_TYPE) END`
    : 'LOWER(c.COLUMN_TYPE)';
  const rows = await side.query(
    `SELECT c.COLUMN_NAME AS name, ${type} AS type FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = ${quote(schema)} AND c.TABLE_NAME = ${quote(table)} ORDER BY c.ORDINAL_POSITION`,
  );
  return rows.map((row) => ({ name: String(row.name), type: String(row.type) }));
}

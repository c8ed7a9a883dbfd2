import type { Connection } from 'mysql2/promise';
import type { HeartbeatOptions } from '../../../lambdas/shared/mappings/model.js';
import type { ServerFacts } from './binlog.js';
import type { TableRef } from './grants.js';

const VARIABLES = [
  'log_bin',
  'binlog_format',
  'binlog_row_image',
  'binlog_checksum',
  'expire_logs_days',
  'binlog_expire_logs_seconds',
  'event_scheduler',
];

interface MysqlError {
  errno?: number;
}

export async function readServerFacts(connection: Connection): Promise<ServerFacts> {
  const [rows] = await connection.query('SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)', [VARIABLES]);
  const variables = new Map(
    (rows as { Variable_name: string; Value: string }[]).map((row) => [row.Variable_name, row.Value]),
  );
  return { variables, ...(await rdsConfiguration(connection)) };
}

/**
 * `mysql.rds_show_configuration` exists only on RDS and Aurora: its absence (1305) marks a
 * self-managed server. Its first result set has `name`, `value`, `description` rows (the Aurora
 * User Guide's example); `binlog retention hours` is NULL until set.
 */
async function rdsConfiguration(connection: Connection): Promise<Pick<ServerFacts, 'rds'>> {
  try {
    const [results] = await connection.query('CALL mysql.rds_show_configuration');
    const sets = results as unknown as unknown[];
    const rows = (Array.isArray(sets[0]) ? sets[0] : sets) as { name: string; value: string | null }[];
    const value = rows.find((row) => row.name === 'binlog retention hours')?.value;
    const hours = value === null || value === undefined || value === 'NULL' ? null : Number(value);
    return { rds: { retentionHours: hours } };
  } catch (error) {
    if ((error as MysqlError).errno === 1305) return {};
    throw error;
  }
}

/** The mapped tables the server does not have (setup creates none but the heartbeat). */
export async function missingTables(connection: Connection, tables: TableRef[]): Promise<TableRef[]> {
  if (tables.length === 0) return [];
  const [rows] = await connection.query(
    'SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE (TABLE_SCHEMA, TABLE_NAME) IN (?)',
    [tables.map((ref) => [ref.schema, ref.table])],
  );
  const present = new Set((rows as { s: string; t: string }[]).map((row) => `${row.s}.${row.t}`));
  return tables.filter((ref) => !present.has(`${ref.schema}.${ref.table}`));
}

export interface UserFacts {
  exists: boolean;
  grants: string[];
}

export async function readUser(connection: Connection, user: string, host: string): Promise<UserFacts> {
  try {
    const [rows] = await connection.query('SHOW GRANTS FOR ?@?', [user, host]);
    return {
      exists: true,
      grants: (rows as Record<string, string>[]).map((row) => Object.values(row)[0] ?? ''),
    };
  } catch (error) {
    // 1141: "There is no such grant defined for user" — on both servers, the account does not exist.
    if ((error as MysqlError).errno === 1141) return { exists: false, grants: [] };
    throw error;
  }
}

export interface HeartbeatFacts {
  schema: boolean;
  table: boolean;
  row: boolean;
  /** The event's schedule and status, when it exists. */
  event?: { every: string; status: string };
}

export async function readHeartbeat(connection: Connection, beat: HeartbeatOptions): Promise<HeartbeatFacts> {
  const [schemas] = await connection.query(
    'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    [beat.schema],
  );
  const [tables] = await connection.query(
    'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [beat.schema, beat.table],
  );
  const table = (tables as unknown[]).length > 0;
  let row = false;
  if (table) {
    const [found] = await connection.query('SELECT 1 FROM ??.?? WHERE id = 1', [beat.schema, beat.table]);
    row = (found as unknown[]).length > 0;
  }
  const [events] = await connection.query(
    'SELECT INTERVAL_VALUE AS n, INTERVAL_FIELD AS unit, STATUS AS status FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ? AND EVENT_NAME = ?',
    [beat.schema, `${beat.table}_tick`],
  );
  const event = (events as { n: string; unit: string; status: string }[])[0];
  return {
    schema: (schemas as unknown[]).length > 0,
    table,
    row,
    ...(event ? { event: { every: `${event.n} ${event.unit}`, status: event.status } } : {}),
  };
}

import type { SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import { quoteId } from './sql.js';

/**
 * The privileges DMS documents for a MySQL source ("Using a MySQL-compatible database as a source
 * for AWS DMS", ADR 0053): REPLICATION CLIENT and REPLICATION SLAVE (CDC), and "SELECT privileges
 * for the source tables designated for replication", which are the mapping's tables, the heartbeat
 * among them. Nothing else: SUPER only before MySQL 5.6.6, the assessment grants only for
 * premigration assessments.
 */
export const GLOBAL_PRIVILEGES = ['REPLICATION CLIENT', 'REPLICATION SLAVE'] as const;

export interface TableRef {
  schema: string;
  table: string;
}

/** What `SHOW GRANTS FOR` says a user holds, the servers' spellings made one. */
export interface HeldGrants {
  global: Set<string>;
  /** Schema → privileges granted on `schema`.*. */
  schemas: Map<string, Set<string>>;
  /** `schema`.`table` → privileges granted on that table. */
  tables: Map<string, Set<string>>;
}

/**
 * MariaDB 10.5.2 renamed REPLICATION CLIENT to BINLOG MONITOR and prints the new name; MySQL 8.0.26+
 * and MariaDB 10.5.1+ accept REPLICATION REPLICA for REPLICATION SLAVE (ADR 0037).
 */
const SYNONYMS: Record<string, string> = {
  'BINLOG MONITOR': 'REPLICATION CLIENT',
  'REPLICATION REPLICA': 'REPLICATION SLAVE',
  'ALL PRIVILEGES': 'ALL',
};

const tableKey = (ref: TableRef): string => `${ref.schema}.${ref.table}`;

/** An identifier as SHOW GRANTS prints it: `name` (backticks doubled inside) or bare. */
function unquote(part: string): string {
  const trimmed = part.trim();
  return trimmed.startsWith('`') ? trimmed.slice(1, -1).replaceAll('``', '`') : trimmed;
}

/** Splits `a, b (x, y), c` at the commas outside parentheses (column privileges carry lists). */
function splitPrivileges(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim().toUpperCase()).filter((part) => part.length > 0);
}

/** `db`.`tbl` or `db`.* or *.*, with backticks around names that may hold dots. */
function splitObject(object: string): [string, string] {
  const match = /^(`(?:[^`]|``)*`|[^.]+)\.(`(?:[^`]|``)*`|.+)$/.exec(object.trim());
  if (!match) return [object, ''];
  return [unquote(match[1] ?? ''), unquote(match[2] ?? '')];
}

export function parseGrants(lines: string[]): HeldGrants {
  const held: HeldGrants = { global: new Set(), schemas: new Map(), tables: new Map() };
  for (const line of lines) {
    const match = /^GRANT (.+?) ON (?:TABLE )?(.+?) TO /i.exec(line);
    if (!match) continue; // roles (`GRANT role TO user`) and PROXY lines grant no object privilege
    // Column privileges (`SELECT (a, b)`) do not let DMS read the table: they count for nothing here.
    const privileges = splitPrivileges(match[1] ?? '')
      .filter((privilege) => !privilege.includes('('))
      .map((privilege) => SYNONYMS[privilege] ?? privilege);
    const [schema, table] = splitObject(match[2] ?? '');
    const into =
      schema === '*'
        ? held.global
        : table === '*'
          ? getOrAdd(held.schemas, schema)
          : getOrAdd(held.tables, tableKey({ schema, table }));
    for (const privilege of privileges) into.add(privilege);
  }
  return held;
}

function getOrAdd(map: Map<string, Set<string>>, key: string): Set<string> {
  const existing = map.get(key);
  if (existing) return existing;
  const created = new Set<string>();
  map.set(key, created);
  return created;
}

const allows = (privileges: Set<string> | undefined, privilege: string): boolean =>
  Boolean(privileges && (privileges.has(privilege) || privileges.has('ALL')));

/** The tables DMS reads: every mapped table, the heartbeat included (it is listed in `tables`). */
export function replicatedTables(mapping: SourceMapping): TableRef[] {
  return mapping.tables.map(({ schema, table }) => ({ schema, table }));
}

export interface GrantGap {
  global: string[];
  tables: TableRef[];
  /** Privileges beyond DMS's list, named so the operator can decide; setup revokes nothing. */
  extra: string[];
}

export function grantGap(held: HeldGrants, tables: TableRef[]): GrantGap {
  const global = GLOBAL_PRIVILEGES.filter((privilege) => !allows(held.global, privilege));
  const missingTables = tables.filter(
    (ref) =>
      !allows(held.global, 'SELECT') &&
      !allows(held.schemas.get(ref.schema), 'SELECT') &&
      !allows(held.tables.get(tableKey(ref)), 'SELECT'),
  );
  const wanted = new Set(tables.map(tableKey));
  const extra = [
    ...[...held.global]
      .filter(
        (privilege) => privilege !== 'USAGE' && !(GLOBAL_PRIVILEGES as readonly string[]).includes(privilege),
      )
      .map((privilege) => `${privilege} ON *.*`),
    ...[...held.schemas].flatMap(([schema, privileges]) =>
      [...privileges].map((privilege) => `${privilege} ON ${schema}.*`),
    ),
    ...[...held.tables].flatMap(([key, privileges]) =>
      [...privileges]
        .filter((privilege) => privilege !== 'SELECT' || !wanted.has(key))
        .map((privilege) => `${privilege} ON ${key}`),
    ),
  ];
  return { global, tables: missingTables, extra };
}

export const grantGlobalSql = (privileges: string[], account: string): string =>
  `GRANT ${privileges.join(', ')} ON *.* TO ${account}`;

export const grantSelectSql = (ref: TableRef, account: string): string =>
  `GRANT SELECT ON ${quoteId(ref.schema)}.${quoteId(ref.table)} TO ${account}`;

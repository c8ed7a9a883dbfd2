import { type DiffColumn, DiffSetupError } from './columns.js';

/**
 * One canonical text per value, computed in SQL on each side so only checksums cross the network:
 *
 * | MySQL type                          | BigQuery type (as DMS lands it) | canonical text                         |
 * |-------------------------------------|---------------------------------|----------------------------------------|
 * | TINYINT…BIGINT, YEAR, TINYINT(1)    | INT64                           | decimal integer: `1`, `-42`            |
 * | BIT(1)                              | BOOL                            | `1` / `0`                              |
 * | DECIMAL(p,s)                        | NUMERIC / BIGNUMERIC            | exact decimal, no trailing zeros: `12.5`, `0` |
 * | FLOAT, DOUBLE                       | FLOAT64                         | rounded to 6 decimals, as an exact decimal |
 * | DATE                                | DATE                            | `2024-01-31`                           |
 * | DATETIME, TIMESTAMP                 | TIMESTAMP                       | `2024-01-31 13:45:00.000000` in UTC    |
 * | CHAR, VARCHAR, TEXT, ENUM, SET, TIME | STRING                         | the text (UTF-8)                       |
 * | JSON                                | STRING                          | the text; compared parsed at key level |
 * | BINARY, VARBINARY, BLOB, BIT(n>1)   | BYTES                           | lower-case hex                         |
 * | NULL                                | NULL                            | no text: distinct from `''`            |
 * | a `hashColumns` CHAR/VARCHAR        | STRING (DMS's hash)             | upper-case hex SHA-256 of the UTF-8 value |
 *
 * DMS treats a DATETIME as UTC and converts a TIMESTAMP to UTC (dms-s3-target.md, the type table);
 * the MySQL side runs with `time_zone = '+00:00'`, so both print the instant DMS wrote.
 */

const strip = (text: string): string =>
  // MySQL prints DECIMAL with its scale's zeros ("12.50"); GoogleSQL prints NUMERIC without them.
  `IF(LOCATE('.', ${text}) > 0, TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM ${text})), ${text})`;

const base = (type: string): string => /^[a-z]+/.exec(type)?.[0] ?? type;

/**
 * A hashed column as DMS writes it (lambdas/shared/dms/hash-mask.ts, ADR 0038): the upper-case hex
 * SHA-256 of the value's UTF-8 bytes; NULL stays NULL (SHA2 of NULL is NULL).
 */
const dmsHash = (ref: string): string => `UPPER(SHA2(CONVERT(${ref} USING utf8mb4), 256))`;

/** The canonical text of `column` on the MySQL side, NULL for NULL. */
export function mysqlCanonical(column: DiffColumn, ref: string): string {
  if (column.hashed) return dmsHash(ref);
  const type = column.mysqlType;
  switch (base(type)) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
    case 'bigint':
    case 'year':
      return `CAST(${ref} AS CHAR)`;
    case 'bit': {
      const bits = Number(/\((\d+)\)/.exec(type)?.[1] ?? 1);
      // BIT(1) lands as BOOL; a wider BIT as its bytes, big-endian, every byte kept.
      return bits <= 1
        ? `CAST(${ref} + 0 AS CHAR)`
        : `LOWER(LPAD(HEX(${ref}), ${Math.ceil(bits / 8) * 2}, '0'))`;
    }
    case 'decimal':
    case 'numeric':
      return strip(`CAST(${ref} AS CHAR)`);
    case 'float':
    case 'double':
    case 'real':
      return strip(`CAST(CAST(ROUND(${ref}, 6) AS DECIMAL(65,6)) AS CHAR)`);
    case 'date':
      return `DATE_FORMAT(${ref}, '%Y-%m-%d')`;
    case 'datetime':
    case 'timestamp':
      return `DATE_FORMAT(${ref}, '%Y-%m-%d %H:%i:%s.%f')`;
    case 'time':
      return `CAST(${ref} AS CHAR)`;
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'enum':
    case 'set':
    case 'json':
      return `CONVERT(${ref} USING utf8mb4)`;
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return `LOWER(HEX(${ref}))`;
    default:
      throw new DiffSetupError(
        `column ${column.name} has MySQL type ${type}, which diff has no canonical form for; exclude it in the mapping (excludeColumns) to compare the other columns`,
      );
  }
}

/** The canonical text of `column` on the BigQuery side, NULL for NULL. */
export function bigqueryCanonical(column: DiffColumn, ref: string): string {
  switch (column.bigqueryType) {
    case 'INTEGER':
    case 'INT64':
    case 'NUMERIC':
    case 'BIGNUMERIC':
    case 'DATE':
      return `CAST(${ref} AS STRING)`;
    case 'BOOLEAN':
    case 'BOOL':
      return `IF(${ref}, '1', '0')`;
    case 'FLOAT':
    case 'FLOAT64':
      return `CAST(CAST(ROUND(${ref}, 6) AS NUMERIC) AS STRING)`;
    case 'TIMESTAMP':
      return `FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%E6S', ${ref}, 'UTC')`;
    case 'STRING':
      return ref;
    case 'BYTES':
      return `TO_HEX(${ref})`;
    default:
      throw new DiffSetupError(
        `column ${column.bigqueryName} of _current has BigQuery type ${column.bigqueryType}, which diff has no canonical form for; exclude it in the mapping (excludeColumns) to compare the other columns`,
      );
  }
}

/** The kind of comparison a MySQL column needs once fetched. */
export const compareKind = (mysqlType: string): DiffColumn['kind'] =>
  base(mysqlType) === 'json' ? 'json' : 'text';

/**
 * Two canonical values are equal: the same text, or for JSON the same document (MySQL prints JSON
 * its own way, DMS may write it another: key order and spacing do not count).
 */
export function sameValue(column: DiffColumn, source: string | null, bigquery: string | null): boolean {
  if (source === null || bigquery === null) return source === bigquery;
  if (source === bigquery) return true;
  if (column.kind !== 'json') return false;
  try {
    return sortedJson(JSON.parse(source)) === sortedJson(JSON.parse(bigquery));
  } catch {
    return false;
  }
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

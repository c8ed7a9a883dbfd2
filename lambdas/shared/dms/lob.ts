import type { ColumnMapping, SourceMapping, TableMapping } from '../mappings/model.js';

/**
 * DMS's limited LOB mode, the only one S3 targets support: "LOBs that exceed the maximum LOB size
 * are truncated, and a warning is issued to the log file" (AWS DMS User Guide, "Setting LOB support
 * for source databases in an AWS DMS task"). MySQL TEXT, BLOB and JSON columns are LOBs to DMS.
 * This module sizes `LobMaxSize`, finds declared columns it can cut, and names the log line DMS
 * writes when it does (ADR 0019).
 */

/** `LobMaxSize` is in KB; DMS documents the maximum as 102,400 KB (100 MB). */
export const DMS_MAX_LOB_MAX_SIZE_KB = 102_400;
/** DMS's own default, kept as the floor so a source without declared LOBs behaves as before. */
export const DMS_DEFAULT_LOB_MAX_SIZE_KB = 32;
/**
 * The largest default: it holds a MySQL TEXT/BLOB (65,535 bytes). Larger defaults cost memory
 * DMS documents as LobMaxSize × commit rate × LOB columns during a full load, so MEDIUMTEXT,
 * LONGTEXT and JSON need a measured `maxBytes` or an explicit `dms.lobMaxSizeKb`.
 */
export const LOB_DEFAULT_CEILING_KB = 64;

/**
 * The most bytes a MySQL LOB type can hold (MySQL reference, "String Type Storage Requirements"):
 * TINY 2^8−1, plain 2^16−1, MEDIUM 2^24−1, LONG 2^32−1. A JSON document is limited only by
 * `max_allowed_packet`, whose maximum is 1 GB. Undefined: not a LOB.
 */
export function lobCapacityBytes(mysqlType: string): number | undefined {
  const base = /^\s*([a-z]+)/i.exec(mysqlType)?.[1]?.toLowerCase();
  switch (base) {
    case 'tinytext':
    case 'tinyblob':
      return 255;
    case 'text':
    case 'blob':
      return 65_535;
    case 'mediumtext':
    case 'mediumblob':
      return 16_777_215;
    case 'longtext':
    case 'longblob':
      return 4_294_967_295;
    case 'json':
      return 1_073_741_824;
    default:
      return undefined;
  }
}

/** What a column can hold: the declared `maxBytes` when the team measured it, else its type's maximum. */
const columnBytes = (column: ColumnMapping, capacity: number): number =>
  Math.min(capacity, column.maxBytes ?? capacity);

/**
 * The default `LobMaxSize` of a source: the smallest KB size that holds every declared LOB
 * column bounded by ≤ 64 KB (by its type or its `maxBytes`), never below DMS's 32 KB. Larger
 * bounds count when declared with `maxBytes` (the team measured them); unbounded types count as
 * 64 KB and are reported by `lobTruncationRisks`.
 */
export function defaultLobMaxSizeKb(mapping: SourceMapping): number {
  let kb = DMS_DEFAULT_LOB_MAX_SIZE_KB;
  for (const table of mapping.tables) {
    for (const column of table.columns ?? []) {
      const capacity = lobCapacityBytes(column.type);
      if (capacity === undefined) continue;
      const bytes = column.maxBytes ?? Math.min(capacity, LOB_DEFAULT_CEILING_KB * 1024);
      kb = Math.max(kb, Math.ceil(Math.min(bytes, capacity) / 1024));
    }
  }
  return Math.min(kb, DMS_MAX_LOB_MAX_SIZE_KB);
}

/** The `LobMaxSize` (KB) the source's replication runs with. */
export const lobMaxSizeKb = (mapping: SourceMapping): number =>
  mapping.dms?.lobMaxSizeKb ?? defaultLobMaxSizeKb(mapping);

export interface LobTruncationRisk {
  tableIndex: number;
  columnIndex: number;
  table: TableMapping;
  column: ColumnMapping;
  /** The most bytes the column can hold (type maximum or declared `maxBytes`). */
  maxBytes: number;
  /** Where DMS cuts: LobMaxSize × 1,024 bytes. */
  limitBytes: number;
}

/** Declared, replicated TEXT/BLOB/JSON columns whose values can be longer than LobMaxSize. */
export function lobTruncationRisks(mapping: SourceMapping): LobTruncationRisk[] {
  const limitBytes = lobMaxSizeKb(mapping) * 1024;
  return mapping.tables.flatMap((table, tableIndex) => {
    const excluded = new Set(table.excludeColumns ?? []);
    return (table.columns ?? []).flatMap((column, columnIndex) => {
      const capacity = lobCapacityBytes(column.type);
      if (capacity === undefined || excluded.has(column.name)) return [];
      const maxBytes = columnBytes(column, capacity);
      return maxBytes > limitBytes ? [{ tableIndex, columnIndex, table, column, maxBytes, limitBytes }] : [];
    });
  });
}

/**
 * The terms of DMS's truncation warning, for a CloudWatch Logs metric filter (all terms must
 * appear, case-sensitive). From the one published DMS line seen: `[SOURCE_CAPTURE  ]W:  Value of
 * column '…' in table '…' was truncated to 524288 bytes, actual length: … bytes` — a PostgreSQL
 * source; AWS does not document the MySQL wording, so the runbook's byte-length query backs it up.
 */
export const LOB_TRUNCATION_LOG_TERMS = [']W:', 'was truncated to'] as const;

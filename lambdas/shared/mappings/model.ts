/** The mapping file model: `mappings/<source>.json`, described by `mappings/schema.json`. */

export type Engine = 'mysql' | 'aurora-mysql';

/**
 * What `<table>_current` is: `view` ranks the changelog on every query (ADR 0015); `table` is a
 * BigQuery CDC table the loader streams every change into through the Storage Write API (ADR 0024).
 */
export type CurrentMode = 'view' | 'table';

export const DEFAULT_CURRENT_MODE: CurrentMode = 'view';

/**
 * A column of the source table, optional in the mapping. Listing columns lets the simulator and
 * `dms2bq plan` show the BigQuery schema; DMS itself reads the columns from the source.
 */
export interface ColumnMapping {
  name: string;
  /** MySQL column type as written in the DDL, e.g. `bigint`, `decimal(18,2)`, `varchar(64)`. */
  type: string;
  nullable?: boolean;
  /**
   * TEXT/BLOB/JSON only: the largest value the source holds, in bytes, as measured there
   * (`MAX(LENGTH(col))`). Sizes DMS's LobMaxSize; see lambdas/shared/dms/lob.ts.
   */
  maxBytes?: number;
}

export interface TableMapping {
  schema: string;
  table: string;
  primaryKey: string[];
  /** BigQuery table name; defaults to `table`. */
  target?: string;
  /** Columns removed by DMS rules so they never leave the source account (PII). */
  excludeColumns?: string[];
  /**
   * Columns DMS replaces with the SHA-256 of their value before the data leaves the source account
   * (`data-masking-hash-mask`, ADR 0038): still joinable, never in clear. CHAR/VARCHAR only.
   */
  hashColumns?: string[];
  columns?: ColumnMapping[];
  /** Overrides the source's `bigquery.current` for this table. */
  current?: CurrentMode;
  /** `false`: no `<target>_history` view (every version of every key); default true. */
  history?: boolean;
}

export interface DmsOptions {
  cdcMaxBatchIntervalSeconds?: number;
  /** Limited LOB mode truncates LOBs at this size (KB); default from the declared columns (dms/lob.ts). */
  lobMaxSizeKb?: number;
}

/** A one-row table the source updates on a schedule, so a silent pipeline pages (lambdas/shared/heartbeat.ts). */
export interface HeartbeatOptions {
  /** Schema and table of the heartbeat; the table must also be listed in `tables`. */
  schema: string;
  table: string;
  /** How often the source's EVENT updates it. */
  intervalSeconds: number;
}

export interface BigQueryOptions {
  dataset: string;
  /** What `<table>_current` is for this source's tables (default `view`). */
  current?: CurrentMode;
  /**
   * `table` mode only: the CDC tables' `max_staleness`, as written in the mapping (`"15m"`, `"1h"`;
   * lambdas/shared/mappings/staleness.ts). Absent: none, every query sees every streamed change.
   */
  maxStaleness?: string;
}

export interface SourceMapping {
  $schema?: string;
  source: string;
  engine: Engine;
  description?: string;
  bigquery: BigQueryOptions;
  dms?: DmsOptions;
  heartbeat?: HeartbeatOptions;
  tables: TableMapping[];
}

/** A mapping file as read from disk: the parsed document and the file it came from. */
export interface MappingFile {
  file: string;
  mapping: SourceMapping;
}

/** Not DMS's 60 s: that alone is 1,440 files a day, over the load-job quota guard (ADR 0004). */
export const DEFAULT_CDC_MAX_BATCH_INTERVAL_SECONDS = 90;

export const targetTable = (table: TableMapping): string => table.target ?? table.table;

export const cdcMaxBatchInterval = (mapping: SourceMapping): number =>
  mapping.dms?.cdcMaxBatchIntervalSeconds ?? DEFAULT_CDC_MAX_BATCH_INTERVAL_SECONDS;

export const currentMode = (mapping: SourceMapping, table: TableMapping): CurrentMode =>
  table.current ?? mapping.bigquery.current ?? DEFAULT_CURRENT_MODE;

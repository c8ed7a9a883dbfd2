import type { Labels, TableFieldSchema } from '../types.js';

/** The BigQuery resources the catalog stores and returns. */
export interface DatasetResource {
  kind: 'bigquery#dataset';
  id: string;
  datasetReference: { projectId: string; datasetId: string };
  location: string;
  labels?: Labels;
  description?: string;
  friendlyName?: string;
  /** Absent on datasets a file-backed warehouse stored before the emulator kept access. */
  access?: Record<string, unknown>[];
  creationTime: string;
  lastModifiedTime: string;
}

export interface TableResource {
  kind: 'bigquery#table';
  id: string;
  tableReference: { projectId: string; datasetId: string; tableId: string };
  type: 'TABLE' | 'VIEW';
  schema: { fields: TableFieldSchema[] };
  location: string;
  creationTime: string;
  lastModifiedTime: string;
  timePartitioning?: Record<string, unknown>;
  rangePartitioning?: Record<string, unknown>;
  clustering?: { fields: string[] };
  labels?: Labels;
  description?: string;
  /** `primaryKey.columns` makes the table a BigQuery CDC table for the Storage Write API. */
  tableConstraints?: { primaryKey?: { columns: string[] }; foreignKeys?: unknown[] };
  /** An SQL IntervalValue string (`0-0 0 0:15:0`); stored and returned, reads are always fresh. */
  maxStaleness?: string;
  view?: { query: string; useLegacySql: false };
}

/** BigQuery's logical bytes per value of the fixed-width types. */
export const logicalBytes: Record<string, number> = {
  INTEGER: 8,
  FLOAT: 8,
  BOOLEAN: 1,
  DATE: 8,
  TIME: 8,
  DATETIME: 8,
  TIMESTAMP: 8,
  NUMERIC: 16,
  BIGNUMERIC: 32,
};

import type { Dialect } from './dialect.js';

/** One side of a diff: a dialect and a way to run read-only queries in it. */
export interface DiffSide {
  /** For messages: `source` or `BigQuery`. */
  label: string;
  dialect: Dialect;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Queries run so far. */
  queries: number;
}

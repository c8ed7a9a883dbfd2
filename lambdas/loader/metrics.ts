import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The dimensions every loader metric carries; `unknown` when a message could not be routed. */
export interface MetricTable {
  source: string;
  table: string;
}

export const UNKNOWN_TABLE: MetricTable = { source: 'unknown', table: 'unknown' };

/**
 * The loader's CloudWatch metrics (EMF through Powertools). Files of one batch load concurrently
 * and carry different dimensions, so each data point is its own single-metric EMF document rather
 * than a shared buffer whose dimensions would mix.
 *
 * `LoadJobs` counts every insert attempt, failed jobs included, as BigQuery's quota of 1,500 load
 * jobs per table per day does: a 24-hour SUM per table is the quota usage (DESIGN decision 9).
 */
export class LoaderMetrics {
  constructor(private readonly metrics: Metrics) {}

  fileLoaded(
    table: MetricTable,
    figures: { rows: number; bytes: number; durationMs: number; freshnessMs?: number },
  ) {
    this.emit(table, 'FilesLoaded', MetricUnit.Count, 1);
    this.emit(table, 'RowsLoaded', MetricUnit.Count, figures.rows);
    this.emit(table, 'BytesLoaded', MetricUnit.Bytes, figures.bytes);
    this.emit(table, 'LoadDuration', MetricUnit.Milliseconds, figures.durationMs);
    if (figures.freshnessMs !== undefined) {
      this.emit(table, 'Freshness', MetricUnit.Milliseconds, Math.max(0, figures.freshnessMs));
    }
  }

  duplicateDelivery(table: MetricTable): void {
    this.emit(table, 'DuplicateDeliveries', MetricUnit.Count, 1);
  }

  loadJobStarted(table: MetricTable): void {
    this.emit(table, 'LoadJobs', MetricUnit.Count, 1);
  }

  rowCountMismatch(table: MetricTable): void {
    this.emit(table, 'RowCountMismatches', MetricUnit.Count, 1);
  }

  /** Rows of a file appended to `<table>_current` (CDC), and how long it took. */
  currentTableStreamed(
    table: MetricTable,
    figures: { rows: number; requests: number; durationMs: number },
  ): void {
    this.emit(table, 'CurrentRowsStreamed', MetricUnit.Count, figures.rows);
    this.emit(table, 'CurrentAppendRequests', MetricUnit.Count, figures.requests);
    this.emit(table, 'CurrentStreamDuration', MetricUnit.Milliseconds, figures.durationMs);
  }

  /**
   * Row-group range messages the loader sent itself (ADR 0045): `fan-out` for a file too big for
   * one invocation, `continuation` for the rest of a range whose invocation ran short of time.
   */
  currentRangesQueued(table: MetricTable, kind: 'fan-out' | 'continuation', count: number): void {
    this.emit(table, 'CurrentRangesQueued', MetricUnit.Count, count, { kind });
  }

  /**
   * Waits of a streamed file for a schema change to reach the Storage Write API (ADR 0043): expected
   * after a column is added or the table is created again; the file streamed in the end.
   */
  currentSchemaPropagationWaits(table: MetricTable, waits: number): void {
    this.emit(table, 'CurrentSchemaPropagationWaits', MetricUnit.Count, waits);
  }

  /**
   * `code`: the Storage Write API's gRPC status name, INVALID_DATA, ERROR, or SCHEMA_PROPAGATION
   * when a schema change had not propagated within the invocation (runbook: current-table-stream).
   */
  currentTableStreamFailed(table: MetricTable, code: string): void {
    this.emit(table, 'CurrentStreamFailures', MetricUnit.Count, 1, { code });
    // Per table without the code, so one alarm covers every code (CloudWatch matches dimensions
    // exactly); a change still propagating is expected and heals by itself, so it stays out.
    if (code !== 'SCHEMA_PROPAGATION') this.emit(table, 'CurrentStreamErrors', MetricUnit.Count, 1);
  }

  failure(table: MetricTable, reason: string): void {
    this.emit(table, 'FileFailures', MetricUnit.Count, 1, { reason });
  }

  private emit(
    table: MetricTable,
    name: string,
    unit: Unit,
    value: number,
    extra: Record<string, string> = {},
  ): void {
    const metric = this.metrics.singleMetric();
    metric.addDimensions({ source: table.source, table: table.table, ...extra });
    metric.addMetric(name, unit, value);
  }
}

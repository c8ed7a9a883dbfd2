import type { FileOutcomeEvent } from '../../lambdas/loader/create-handler.js';

export interface PipelineSummary {
  /** Distinct files announced to the loader. */
  files: number;
  /** Files loaded into BigQuery (a load job that succeeded). */
  loaded: number;
  /** Deliveries recognised as already loaded and acknowledged. */
  duplicates: number;
  /** Files that ended in the DLQ, with the last reason the loader gave. */
  failed: { key: string; reason: string }[];
  rowsByTable: Record<string, number>;
}

/** Tallies loader outcomes into the per-run summary `npm start` and `dms2bq local load` print. */
export class OutcomeCollector {
  private readonly loadedKeys = new Set<string>();
  private readonly lastFailure = new Map<string, string>();
  private duplicates = 0;
  private readonly rows = new Map<string, number>();
  private readonly listeners: ((event: FileOutcomeEvent) => void)[] = [];

  readonly record = (event: FileOutcomeEvent): void => {
    if (event.status === 'loaded') {
      this.loadedKeys.add(event.key);
      const table = `${event.source ?? '?'}.${event.table ?? '?'}`;
      this.rows.set(table, (this.rows.get(table) ?? 0) + (event.rows ?? 0));
    } else if (event.status === 'duplicate') this.duplicates++;
    else this.lastFailure.set(event.key, event.reason ?? 'unknown');
    for (const listener of this.listeners) listener(event);
  };

  onEvent(listener: (event: FileOutcomeEvent) => void): void {
    this.listeners.push(listener);
  }

  /** `deadLettered`: keys found in the DLQ at the end; only those count as failed. */
  summary(files: number, deadLettered: readonly string[]): PipelineSummary {
    return {
      files,
      loaded: this.loadedKeys.size,
      duplicates: this.duplicates,
      failed: deadLettered.map((key) => ({ key, reason: this.lastFailure.get(key) ?? 'in the DLQ' })),
      rowsByTable: Object.fromEntries([...this.rows].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}

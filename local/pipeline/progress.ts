import type { FileOutcomeEvent } from '../../lambdas/loader/create-handler.js';
import { FRESHNESS_LEGEND } from './summary.js';

interface TableProgress {
  files: number;
  rows: number;
  duplicates: number;
  failures: number;
  /** now − newest change loaded, as the loader measured it for the table's last file. */
  freshnessMs?: number;
}

/**
 * Per-table counters redrawn in place on a terminal, or printed every few seconds otherwise, so
 * `npm start` shows the pipeline moving without flooding a CI log.
 */
export class ProgressDisplay {
  private readonly tables = new Map<string, TableProgress>();
  private timer: NodeJS.Timeout | undefined;
  private drawnLines = 0;
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly startedAt = Date.now(),
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  readonly record = (event: FileOutcomeEvent): void => {
    const name = `${event.source ?? '?'}.${event.table ?? '?'}`;
    const table = this.tables.get(name) ?? { files: 0, rows: 0, duplicates: 0, failures: 0 };
    if (event.status === 'loaded') {
      table.files++;
      table.rows += event.rows ?? 0;
      if (event.freshnessMs !== undefined) table.freshnessMs = event.freshnessMs;
    } else if (event.status === 'duplicate') table.duplicates++;
    else table.failures++;
    this.tables.set(name, table);
  };

  start(): void {
    this.timer = setInterval(() => this.draw(), this.tty ? 250 : 5_000);
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
  }

  private draw(): void {
    const seconds = ((Date.now() - this.startedAt) / 1000).toFixed(1);
    const lines = [...this.tables].map(
      ([name, t]) =>
        `  ${name.padEnd(32)} ${String(t.files).padStart(5)} files ${String(t.rows).padStart(8)} changelog rows ${String(t.duplicates).padStart(4)} duplicate deliveries skipped  freshness ${t.freshnessMs === undefined ? '–' : `${(t.freshnessMs / 1000).toFixed(0)} s`}${t.failures ? `  ${t.failures} failed attempts` : ''}`,
    );
    const text = [`loading… ${seconds} s`, ...lines, `  ${FRESHNESS_LEGEND}`].join('\n');
    if (this.tty) {
      if (this.drawnLines > 0) this.stream.write(`\x1b[${this.drawnLines}F\x1b[J`);
      this.drawnLines = lines.length + 2;
    }
    this.stream.write(`${text}\n`);
  }
}

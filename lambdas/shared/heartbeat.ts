import {
  cdcMaxBatchInterval,
  type HeartbeatOptions,
  type SourceMapping,
  type TableMapping,
} from './mappings/model.js';

/**
 * A source's heartbeat: a one-row table the source database updates every `intervalSeconds`
 * (a MySQL EVENT, docs/heartbeat.md). It is listed in `tables` like any table, so DMS captures it
 * and the loader loads it and publishes its `Freshness`; its alarm treats missing data as
 * breaching, so a pipeline that goes silent anywhere between the binlog and BigQuery pages within
 * a known time (ADR 0019), where an idle table's alarm cannot tell silence from quiet.
 */

/** S3 notification, the loader's 5 s batching window, the footer read and a small load job. */
export const HEARTBEAT_LOAD_ALLOWANCE_SECONDS = 60;
/** Empty periods in a row before the alarm pages: one late file alone does not. */
export const HEARTBEAT_EMPTY_PERIODS = 2;

/** The mapped table that is the source's heartbeat, or undefined without one. */
export function heartbeatTable(mapping: SourceMapping): TableMapping | undefined {
  const beat = mapping.heartbeat;
  if (!beat) return undefined;
  return mapping.tables.find((table) => table.schema === beat.schema && table.table === beat.table);
}

export interface HeartbeatTiming {
  /** A loaded heartbeat is at most this old when healthy (ms): CdcMaxBatchInterval + load. */
  healthyFreshnessMs: number;
  intervalSeconds: number;
  cdcMaxBatchIntervalSeconds: number;
  loadAllowanceSeconds: number;
  /** Longest healthy gap between two heartbeat loads: interval + CdcMaxBatchInterval + load. */
  gapSeconds: number;
  /** Alarm period: the gap rounded up to whole minutes, so every healthy period holds a load. */
  periodSeconds: number;
  /**
   * Worst case from a stall to the page: the last heartbeat may still be written and loaded
   * (CdcMaxBatchInterval + load), then its own period and the empty periods must pass.
   */
  pagesWithinSeconds: number;
}

export function heartbeatTiming(mapping: SourceMapping): HeartbeatTiming | undefined {
  if (!mapping.heartbeat) return undefined;
  const intervalSeconds = mapping.heartbeat.intervalSeconds;
  const cdc = cdcMaxBatchInterval(mapping);
  const gapSeconds = intervalSeconds + cdc + HEARTBEAT_LOAD_ALLOWANCE_SECONDS;
  const periodSeconds = Math.ceil(gapSeconds / 60) * 60;
  return {
    intervalSeconds,
    cdcMaxBatchIntervalSeconds: cdc,
    loadAllowanceSeconds: HEARTBEAT_LOAD_ALLOWANCE_SECONDS,
    healthyFreshnessMs: (cdc + HEARTBEAT_LOAD_ALLOWANCE_SECONDS) * 1000,
    gapSeconds,
    periodSeconds,
    pagesWithinSeconds:
      cdc + HEARTBEAT_LOAD_ALLOWANCE_SECONDS + (1 + HEARTBEAT_EMPTY_PERIODS) * periodSeconds,
  };
}

/** The arithmetic behind the heartbeat alarm, for docs, `dms2bq plan` and error messages. */
export function describeHeartbeatTiming(t: HeartbeatTiming): string {
  return (
    `healthy gap ${t.intervalSeconds} s (event) + ${t.cdcMaxBatchIntervalSeconds} s (CdcMaxBatchInterval) + ` +
    `${t.loadAllowanceSeconds} s (load) = ${t.gapSeconds} s → alarm period ${t.periodSeconds} s; a stall pages within ` +
    `${t.cdcMaxBatchIntervalSeconds} + ${t.loadAllowanceSeconds} + ${1 + HEARTBEAT_EMPTY_PERIODS} × ${t.periodSeconds} = ` +
    `${t.pagesWithinSeconds} s (${Math.ceil(t.pagesWithinSeconds / 60)} min) of the stall, plus CloudWatch's evaluation`
  );
}

/** The heartbeat's objects on the source, each one statement (`dms2bq setup source` runs them one by one). */
export interface HeartbeatStatements {
  table: string;
  seed: string;
  event: string;
}

export function heartbeatStatements(beat: HeartbeatOptions): HeartbeatStatements {
  const table = `\`${beat.schema}\`.\`${beat.table}\``;
  const event = `\`${beat.schema}\`.\`${beat.table}_tick\``;
  return {
    table: `CREATE TABLE IF NOT EXISTS ${table} (id INT NOT NULL PRIMARY KEY, beat_at DATETIME(6) NOT NULL);`,
    seed: `INSERT IGNORE INTO ${table} (id, beat_at) VALUES (1, NOW(6));`,
    event: [
      `CREATE EVENT IF NOT EXISTS ${event} ON SCHEDULE EVERY ${beat.intervalSeconds} SECOND`,
      `  DO UPDATE ${table} SET beat_at = NOW(6) WHERE id = 1;`,
    ].join('\n'),
  };
}

/** The MySQL statements that create the heartbeat on the source (docs/heartbeat.md explains them). */
export function heartbeatSql(mapping: SourceMapping): string | undefined {
  const beat = mapping.heartbeat;
  if (!beat) return undefined;
  const statements = heartbeatStatements(beat);
  return [statements.table, statements.seed, statements.event].join('\n');
}

import type { SimType } from './column-types.js';
import type { SimColumn, TableShape } from './table-model.js';
import type { TableState } from './table-state.js';
import type { SimValue } from './values.js';

/**
 * What DMS's limited LOB mode writes for a LOB longer than LobMaxSize: its first LobMaxSize bytes
 * ("LOBs that exceed the maximum LOB size are truncated, and a warning is issued to the log
 * file"). The oversized source value is ASCII, so the cut falls on a character boundary and the
 * written value is exactly `limitBytes` long — what the runbook's byte-length query looks for.
 */
export function truncatedLobValue(type: SimType, limitBytes: number): SimValue {
  if (type.kind === 'binary') return 'ab'.repeat(limitBytes);
  const head = type.flavor === 'json' ? '{"doc":"' : '';
  return head + 'x'.repeat(limitBytes - head.length);
}

const pad = (text: string, width: number): string => text.padEnd(width, ' ');

/**
 * The task-log line DMS writes when it truncates a LOB, in the form of the one published DMS
 * line (`[SOURCE_CAPTURE  ]W:  Value of column '…' in table '…' was truncated to N bytes, actual
 * length: M bytes`, from a PostgreSQL source; AWS documents no MySQL wording — ADR 0019).
 */
export function lobTruncationLogLine(
  micros: number,
  shape: TableShape,
  column: SimColumn,
  limitBytes: number,
  actualBytes: number,
): string {
  const time = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  return (
    `${time} [${pad('SOURCE_CAPTURE', 16)}]W:  Value of column '${column.name}' in table ` +
    `'${shape.schema}.${shape.table}' was truncated to ${limitBytes} bytes, actual length: ` +
    `${actualBytes} bytes  (dms2bq-simulator)`
  );
}

/** One written row: key number, version, incarnation base, and the time DMS handled it. */
export type WrittenRow = (i: number) => [key: number, version: number, base: number, micros: number];

/** Logs one line per LOB value DMS truncated in a file of `count` rows, as DMS does per value. */
export function logTruncations(
  state: TableState,
  count: number,
  row: WrittenRow,
  log: (line: string) => void,
): void {
  if (state.shape.oversizedLobEvery === 0) return;
  const { columns, lobLimitBytes } = state.shape;
  for (let i = 0; i < count; i++) {
    const [key, version, base, micros] = row(i);
    columns.forEach((column, index) => {
      const actual = state.truncatedLobBytes(column, index, key, version, base);
      if (actual !== undefined) log(lobTruncationLogLine(micros, state.shape, column, lobLimitBytes, actual));
    });
  }
}

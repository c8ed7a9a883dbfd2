import { CHANGE_SEQ_COLUMN, OP_COLUMN, TIMESTAMP_COLUMN } from '../../lambdas/shared/columns.js';
import type { ChangeBuffer } from './change-buffer.js';
import { stringElement } from './column-types.js';
import { type ParquetColumn, type ParquetFileOptions, writeParquetFile } from './parquet/file.js';
import type { TableState } from './table-state.js';
import { dmsTimestamp, type SimValue } from './values.js';

/**
 * The Parquet files DMS writes for one table with this project's settings: `Op` first
 * (IncludeOpForFullLoad), the `_dms_timestamp` STRING (TimestampColumnName), the table's columns in
 * source order minus excluded ones, then `_dms_change_seq` (the add-column rule appends it).
 */

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/**
 * The 16-digit timestamp part of `$AR_H_CHANGE_SEQ`: `yyyyMMddHHmmss` plus hundredths of a second
 * (UTC), the form seen in published DMS output; AWS documents only "16 digits of timestamp". Any
 * 16-digit form that grows with time keeps the 35-digit value ordered, which is all the pipeline
 * relies on.
 */
let cachedSecond = Number.NaN;
let cachedPrefix = '';

export function changeSeqTimestamp(micros: number): string {
  const second = Math.floor(micros / 1_000_000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    cachedSecond = second;
    cachedPrefix = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  }
  return cachedPrefix + pad(Math.floor((micros - second * 1_000_000) / 10_000), 2);
}

/** `$AR_H_CHANGE_SEQ`: 16 digits of commit time, then the task's 19-digit change counter. */
export function changeSeq(commitMicros: number, counter: number): string {
  return `${changeSeqTimestamp(commitMicros)}${pad(counter, 19)}`;
}

function tableColumns(
  state: TableState,
  altered: boolean,
  rows: (column: number) => SimValue[],
): ParquetColumn[] {
  const columns = state.shape.columns.map((column, index) => ({
    element: column.element,
    values: rows(index),
  }));
  if (altered) columns.push({ element: state.shape.addedColumn.element, values: rows(-1) });
  return columns;
}

/** A CDC file holding `buffer`'s changes in commit order. */
export function cdcFile(
  state: TableState,
  buffer: ChangeBuffer,
  altered: boolean,
  options: ParquetFileOptions,
) {
  const { keys, versions, bases, commits, seqs } = buffer;
  const count = buffer.length;
  const timestamps: string[] = new Array(count);
  const sequences: string[] = new Array(count);
  let lastCommit = -1;
  let lastTimestamp = '';
  let lastSeqPrefix = '';
  for (let i = 0; i < count; i++) {
    const commit = commits[i] as number;
    if (commit !== lastCommit) {
      lastCommit = commit;
      lastTimestamp = dmsTimestamp(commit);
      lastSeqPrefix = changeSeqTimestamp(commit);
    }
    timestamps[i] = lastTimestamp;
    sequences[i] = lastSeqPrefix + pad(seqs[i] as number, 19);
  }
  const columns = tableColumns(state, altered, (index) => {
    const values: SimValue[] = new Array(count);
    const column = state.shape.columns[index];
    for (let i = 0; i < count; i++) {
      const key = keys[i] as number;
      values[i] = column
        ? state.value(column, index, key, versions[i] as number, bases[i] as number)
        : state.addedValue(key, versions[i] as number, bases[i] as number);
    }
    return values;
  });
  return writeParquetFile(
    [
      { element: stringElement(OP_COLUMN), values: buffer.ops },
      { element: stringElement(TIMESTAMP_COLUMN), values: timestamps },
      ...columns,
      { element: stringElement(CHANGE_SEQ_COLUMN), values: sequences },
    ],
    count,
    options,
  );
}

/**
 * A full-load file with keys [from, to) at version 0: `Op` = `I`, `_dms_timestamp` = the task
 * start (UseTaskStartTimeForFullLoadTimestamp) and `_dms_change_seq` = '' (DMS leaves the header
 * empty during full load; the column is a STRING, so the empty string, not NULL).
 */
export function loadFile(
  state: TableState,
  from: number,
  to: number,
  startMicros: number,
  options: ParquetFileOptions,
) {
  const count = to - from;
  const columns = tableColumns(state, false, (index) => {
    const column = state.shape.columns[index];
    const values: SimValue[] = new Array(count);
    for (let i = 0; i < count; i++) values[i] = column ? state.value(column, index, from + i, 0, 0) : null;
    return values;
  });
  return writeParquetFile(
    [
      { element: stringElement(OP_COLUMN), values: new Array<SimValue>(count).fill('I') },
      {
        element: stringElement(TIMESTAMP_COLUMN),
        values: new Array<SimValue>(count).fill(dmsTimestamp(startMicros)),
      },
      ...columns,
      { element: stringElement(CHANGE_SEQ_COLUMN), values: new Array<SimValue>(count).fill('') },
    ],
    count,
    options,
  );
}

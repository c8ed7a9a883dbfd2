import { CHANGE_SEQ_COLUMN, OP_COLUMN, TIMESTAMP_COLUMN } from '../../lambdas/shared/columns.js';
import { stringElement } from './column-types.js';
import { type ParquetColumn, type ParquetFileOptions, writeParquetFile } from './parquet/file.js';
import type { TableState } from './table-state.js';
import { dmsTimestamp, type SimValue } from './values.js';

/**
 * A full-load file of a table reload: the rows `keys` hold now (current version, the added column
 * when the table has it, widened columns in their new type), `Op` = `I`, `_dms_timestamp` = the
 * reload's start and `_dms_change_seq` = '' as in any full load. That a reload stamps its own start
 * rather than the task's first start is not stated by AWS (ADR 0050): the later time is the one under
 * which a reload's rows can win over the changes captured before it.
 */
export function reloadFile(
  state: TableState,
  keys: readonly number[],
  altered: boolean,
  reloadMicros: number,
  options: ParquetFileOptions,
): Uint8Array {
  const count = keys.length;
  const at = (i: number) => keys[i] as number;
  const columns: ParquetColumn[] = state.shape.columns.map((column, index) => {
    const values: SimValue[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const key = at(i);
      values[i] = state.value(column, index, key, state.version[key] ?? 0, state.base[key] ?? 0);
    }
    return { element: column.element, values };
  });
  if (altered) {
    const values: SimValue[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const key = at(i);
      values[i] = state.addedValue(key, state.version[key] ?? 0, state.base[key] ?? 0);
    }
    columns.push({ element: state.shape.addedColumn.element, values });
  }
  return writeParquetFile(
    [
      { element: stringElement(OP_COLUMN), values: new Array<SimValue>(count).fill('I') },
      {
        element: stringElement(TIMESTAMP_COLUMN),
        values: new Array<SimValue>(count).fill(dmsTimestamp(reloadMicros)),
      },
      ...columns,
      { element: stringElement(CHANGE_SEQ_COLUMN), values: new Array<SimValue>(count).fill('') },
    ],
    count,
    options,
  );
}

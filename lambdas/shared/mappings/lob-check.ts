import { DMS_MAX_LOB_MAX_SIZE_KB, lobMaxSizeKb, lobTruncationRisks } from '../dms/lob.js';
import type { MappingFile } from './model.js';
import { type Problem, pointer } from './problem.js';

const n = (value: number): string => value.toLocaleString('en-US');

/**
 * Warnings, not errors: a declared TEXT/BLOB/JSON column that can hold more than LobMaxSize may
 * never do so in practice, so it does not block a deploy; DMS would cut such a value and the
 * LobTruncated alarm would page. Each warning says how to measure and how to silence it.
 */
export function lobWarnings({ file, mapping }: MappingFile): Problem[] {
  const configured = mapping.dms?.lobMaxSizeKb !== undefined;
  return lobTruncationRisks(mapping).map(
    ({ tableIndex, columnIndex, table, column, maxBytes, limitBytes }) => ({
      file,
      path: pointer('tables', tableIndex, 'columns', columnIndex),
      message:
        `${table.schema}.${table.table}.${column.name} (${column.type}) can hold ${n(maxBytes)} bytes but DMS truncates LOBs at ` +
        `${n(limitBytes)} bytes (LobMaxSize ${n(lobMaxSizeKb(mapping))} KB, ${configured ? 'dms.lobMaxSizeKb' : 'the default'}); ` +
        `measure SELECT MAX(LENGTH(${column.name})) on the source and set "maxBytes" on the column, ` +
        `or raise dms.lobMaxSizeKb (at most ${n(DMS_MAX_LOB_MAX_SIZE_KB)})`,
    }),
  );
}

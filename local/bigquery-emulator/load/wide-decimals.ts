import type { DuckDBConnection } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { JobFailureError } from '../errors.js';
import { decimalText, scaleToBignumeric } from '../store/bignumeric.js';
import { quoteIdent } from '../types.js';
import type { FileColumn } from './parquet-schema.js';

/** The temporary table holding the exact values of the file's wide decimal columns, by file row. */
export const WIDE_TABLE = 'bq_emulator_wide_decimals';
export const wideTextColumn = (name: string): string => quoteIdent(`${name}__text`);
export const wideScaledColumn = (name: string): string => quoteIdent(`${name}__scaled`);

/** A big-endian two's-complement integer, as Parquet stores an unscaled DECIMAL in (fixed-length) byte arrays. */
function unscaledOf(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes.length > 0 && (bytes[0] ?? 0) & 0x80 ? value - (1n << bits) : value;
}

/**
 * DuckDB reads Parquet DECIMAL wider than 38 digits (MySQL DECIMAL(65,30) gives FIXED_LEN_BYTE_ARRAY)
 * as DOUBLE, which rounds. These columns are read here instead, from their raw bytes with hyparquet,
 * and staged exactly in a temporary table of the load's transaction that the INSERT joins on
 * `file_row_number`. A value BIGNUMERIC cannot hold fails the load, naming the column.
 */
export async function stageWideDecimals(
  connection: DuckDBConnection,
  filePath: string,
  columns: FileColumn[],
): Promise<boolean> {
  const wide = columns.filter((column) => column.decimal?.wide === true);
  if (wide.length === 0) return false;
  const file = await asyncBufferFromFile(filePath);
  const metadata = await parquetMetadataAsync(file);
  const names = new Set(wide.map((column) => column.field.name));
  // Without its DECIMAL annotation hyparquet hands over the raw bytes instead of a rounded number.
  for (const element of metadata.schema) {
    if (names.has(element.name)) {
      element.converted_type = undefined;
      element.logical_type = undefined;
    }
  }
  const rows = await new Promise<unknown[][]>((resolve, reject) => {
    parquetRead({
      file,
      metadata,
      compressors,
      columns: wide.map((column) => column.field.name),
      onComplete: resolve,
    }).catch(reject);
  });
  const columnsSql = wide.flatMap((column) => [
    `${wideTextColumn(column.field.name)} VARCHAR`,
    `${wideScaledColumn(column.field.name)} VARCHAR`,
  ]);
  await connection.run(`CREATE TEMP TABLE ${WIDE_TABLE} (row_number BIGINT, ${columnsSql.join(', ')})`);
  const appender = await connection.createAppender(WIDE_TABLE, 'main', 'temp');
  try {
    rows.forEach((row, rowNumber) => {
      appender.appendBigInt(BigInt(rowNumber));
      wide.forEach((column, index) => {
        const raw = row[index];
        if (!(raw instanceof Uint8Array)) {
          appender.appendNull();
          appender.appendNull();
          return;
        }
        const scale = column.decimal?.scale ?? 0;
        const unscaled = unscaledOf(raw);
        appender.appendVarchar(decimalText(unscaled, scale));
        const scaled = scaleToBignumeric(unscaled, scale);
        if (column.field.type === 'BIGNUMERIC' && typeof scaled === 'string') {
          throw new JobFailureError(
            'invalid',
            `Error while reading data, error message: Invalid BIGNUMERIC value ${decimalText(unscaled, scale)} for field '${column.field.name}': it ${scaled}`,
          );
        }
        const numericScale = 10n ** BigInt(Math.max(0, scale - 9));
        const abs = unscaled < 0n ? -unscaled : unscaled;
        if (
          column.field.type === 'NUMERIC' &&
          (unscaled % numericScale !== 0n || abs >= 10n ** BigInt(29 + scale))
        ) {
          throw new JobFailureError(
            'invalid',
            `Error while reading data, error message: Invalid NUMERIC value ${decimalText(unscaled, scale)} for field '${column.field.name}': out of range`,
          );
        }
        if (typeof scaled === 'string') appender.appendNull();
        else appender.appendVarchar(scaled.toString());
      });
      appender.endRow();
    });
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return true;
}

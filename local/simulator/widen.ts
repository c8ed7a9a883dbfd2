import { parquetElement, parseMysqlType, type SimType, UnsupportedTypeError } from './column-types.js';
import { SimulationInputError } from './table-model.js';
import type { TableState } from './table-state.js';
import type { SimValue } from './values.js';

/**
 * `ALTER TABLE … MODIFY <column> <wider type>` on the source: MySQL keeps every stored value and
 * DMS writes the column with the new Parquet type from then on, in CDC and reload files alike. Rows
 * written before the ALTER keep their value (rescaled to the new type); rows written after it draw
 * values of the new type, e.g. ten decimals after DECIMAL(7,2) → DECIMAL(38,10), which no NUMERIC
 * column can hold.
 */
export interface WidenedFrom {
  /** The type before the ALTER. */
  type: SimType;
  /** Whether the write that last set the column (`changedAt` version of `key`) came before the ALTER. */
  writtenBefore(key: number, changedAt: number): boolean;
  /** A value of the old type as the wider type holds it. */
  convert(value: SimValue): SimValue;
}

/** How a value of `from` reads in `to`, or undefined when MySQL's MODIFY would not keep it exactly. */
function converter(from: SimType, to: SimType): ((value: SimValue) => SimValue) | undefined {
  if (from.kind === 'int' && to.kind === 'int' && to.bits >= from.bits && to.unsigned === from.unsigned)
    return (value) => value;
  const fromScale = from.kind === 'int' ? 0 : from.kind === 'decimal' ? from.scale : -1;
  const fromDigits = from.kind === 'int' ? 19 : from.precision - from.scale;
  if (fromScale < 0 || to.kind !== 'decimal' || to.scale < fromScale) return undefined;
  if (to.precision - to.scale < fromDigits && from.kind === 'decimal') return undefined;
  const factor = 10 ** (to.scale - fromScale);
  return (value) => {
    if (value === null) return null;
    const scaled = (value as number) * factor;
    // The simulator holds decimals as safe integers (values.ts); a wider scale must not break that.
    if (!Number.isSafeInteger(scaled))
      throw new SimulationInputError(
        `widening ${from.mysql} → ${to.mysql}: ${value} × ${factor} is not exact in a double; pick a narrower source type`,
      );
    return scaled;
  };
}

/**
 * Widens `column` of `state`'s table to `mysqlType` from now on. Only widenings MySQL performs
 * without changing a value are accepted: INT → BIGINT, INT → DECIMAL, DECIMAL(p,s) → DECIMAL(p',s')
 * with s' ≥ s and p'−s' ≥ p−s.
 */
export function widenColumn(state: TableState, column: string, mysqlType: string): void {
  const { shape } = state;
  const where = `${shape.routeKey}: widen ${column}`;
  const index = shape.columns.findIndex((c) => c.name === column);
  const current = shape.columns[index];
  if (!current) throw new SimulationInputError(`${where}: no such column in the table`);
  if (current.keyIndex >= 0) throw new SimulationInputError(`${where}: primary-key columns are not widened`);
  let to: SimType;
  try {
    to = parseMysqlType(mysqlType);
  } catch (error) {
    if (error instanceof UnsupportedTypeError) throw new SimulationInputError(`${where}: ${error.message}`);
    throw error;
  }
  const convert = converter(current.type, to);
  if (!convert)
    throw new SimulationInputError(
      `${where}: ${current.type.mysql} → ${mysqlType} is not a widening that keeps every value; use INT → BIGINT/DECIMAL or a DECIMAL with more digits`,
    );
  // Values older than a first ALTER would need both conversions and the first type's draw; one is enough here.
  if (current.widenedFrom)
    throw new SimulationInputError(`${where}: the column was widened already; widen each column once`);
  const versions = state.version.slice(0, state.nextKey);
  shape.columns[index] = {
    ...current,
    type: to,
    element: parquetElement(current.name, to),
    widenedFrom: {
      type: current.type,
      writtenBefore: (key, changedAt) => key < versions.length && changedAt <= (versions[key] ?? -1),
      convert,
    },
  };
}

/**
 * BIGNUMERIC in DuckDB. BigQuery's BIGNUMERIC is a 256-bit integer scaled by 10^-38: 38 decimals and
 * ±5.7896044618658097711785492504343953926634992332820282019728792003956564819967E+38 (GoogleSQL
 * data types). DuckDB's DECIMAL stops at 38 digits and HUGEINT scaled by 10^38 would hold only ±1.7,
 * so a value is stored exactly as its scaled integer in DuckDB's arbitrary-precision BIGNUM, wrapped
 * in a one-field STRUCT. The wrapper is deliberate: DuckDB compares, orders, groups and takes MIN/MAX
 * of the STRUCT by its field (exact), and refuses arithmetic, SUM/AVG, casts to numbers and
 * comparisons with numbers (BIGNUM alone would silently add 1 to the scaled integer, or multiply
 * through DOUBLE). Those refusals become a clear `invalidQuery` via `bignumericQueryError`.
 */
export const BIGNUMERIC_FIELD = 'bignumeric_e38';
export const BIGNUMERIC_STORAGE = `STRUCT(${BIGNUMERIC_FIELD} BIGNUM)`;
export const BIGNUMERIC_SCALE = 38;

/** ±(2^255 - 1) / 10^38 … -2^255 / 10^38, as scaled integers. */
const MAX_SCALED = 2n ** 255n - 1n;
const MIN_SCALED = -(2n ** 255n);

/** True for the DuckDB type name of a stored BIGNUMERIC, however DuckDB spells it. */
export function isBignumericStorage(duckType: string): boolean {
  return duckType.replaceAll('"', '').toUpperCase() === BIGNUMERIC_STORAGE.toUpperCase();
}

/** SQL turning a DuckDB DECIMAL(p, s ≤ 38) expression into the stored form, exactly. */
export function bignumericFromDecimalSql(expression: string, scale: number): string {
  // DuckDB prints a DECIMAL with all `scale` digits ("-0.25"); dropping the point and padding to 38
  // decimals gives the scaled integer as text ("-025" + 36 zeros), which BIGNUM reads exactly.
  const digits =
    scale > 0 ? `replace(CAST(${expression} AS VARCHAR), '.', '')` : `CAST(${expression} AS VARCHAR)`;
  const padded = `${digits} || '${'0'.repeat(BIGNUMERIC_SCALE - scale)}'`;
  return `CASE WHEN ${expression} IS NULL THEN NULL ELSE {'${BIGNUMERIC_FIELD}': CAST(${padded} AS BIGNUM)} END`;
}

/** SQL giving a stored BIGNUMERIC as BigQuery writes it: no exponent, no trailing zeros ("-0.5", "12"). */
export function bignumericToTextSql(reference: string): string {
  // struct_extract, not `ref.field`: in ALTER … USING a dotted name reads as table.column.
  const scaled = `CAST(struct_extract(${reference}, '${BIGNUMERIC_FIELD}') AS VARCHAR)`;
  const unsigned = `ltrim(${scaled}, '-')`;
  // Zeros in front up to 39 digits, so that the last 38 are the decimals (lpad would truncate).
  const digits = `repeat('0', greatest(0, ${BIGNUMERIC_SCALE + 1} - length(${unsigned}))) || ${unsigned}`;
  const integer = `ltrim(left((${digits}), length((${digits})) - ${BIGNUMERIC_SCALE}), '0')`;
  const fraction = `rtrim(right((${digits}), ${BIGNUMERIC_SCALE}), '0')`;
  const sign = `CASE WHEN starts_with(${scaled}, '-') THEN '-' ELSE '' END`;
  const whole = `CASE WHEN ${integer} = '' THEN '0' ELSE ${integer} END`;
  return `CASE WHEN ${reference} IS NULL THEN NULL ELSE ${sign} || ${whole} || CASE WHEN ${fraction} = '' THEN '' ELSE '.' || ${fraction} END END`;
}

/**
 * The scaled integer of an unscaled decimal (value = unscaled × 10^-scale), or an error message when
 * BIGNUMERIC cannot hold it exactly: more than 38 decimals that are not zeros, or beyond its range.
 */
export function scaleToBignumeric(unscaled: bigint, scale: number): bigint | string {
  let scaled: bigint;
  if (scale <= BIGNUMERIC_SCALE) scaled = unscaled * 10n ** BigInt(BIGNUMERIC_SCALE - scale);
  else {
    const divisor = 10n ** BigInt(scale - BIGNUMERIC_SCALE);
    if (unscaled % divisor !== 0n) return 'has more than 38 decimal digits';
    scaled = unscaled / divisor;
  }
  if (scaled > MAX_SCALED || scaled < MIN_SCALED) return 'is outside the range of BIGNUMERIC';
  return scaled;
}

/** A decimal value written out from its unscaled integer and scale ("-0.000000000000000000000000000001"). */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const integer = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? digits.slice(digits.length - scale).replace(/0+$/, '') : '';
  return `${negative ? '-' : ''}${integer}${fraction === '' ? '' : `.${fraction}`}`;
}

/**
 * A clear `invalidQuery` message when DuckDB refused an operation on a stored BIGNUMERIC, or
 * undefined when the error has nothing to do with BIGNUMERIC.
 */
export function bignumericQueryError(duckDbMessage: string): string | undefined {
  if (!duckDbMessage.toLowerCase().includes(BIGNUMERIC_FIELD)) return undefined;
  return (
    'The BigQuery emulator stores BIGNUMERIC exactly and supports selecting, comparing BIGNUMERIC ' +
    'with BIGNUMERIC, ORDER BY, GROUP BY, PARTITION BY, DISTINCT, MIN, MAX and IS NULL on it; ' +
    'arithmetic, SUM/AVG, casts and comparisons with other types are not emulated ' +
    `(DuckDB: ${duckDbMessage.replaceAll(BIGNUMERIC_STORAGE, 'BIGNUMERIC').replaceAll(`STRUCT("${BIGNUMERIC_FIELD}" BIGNUM)`, 'BIGNUMERIC')})`
  );
}

import type { SchemaElement } from 'hyparquet';

/**
 * MySQL column types and the Parquet columns DMS writes for them (reference: dms-s3-target.md,
 * "MySQL type → DMS type → Parquet type"). Every column is OPTIONAL in the Parquet schema: DMS
 * declares them nullable whatever the source's NOT NULL says.
 */

export type ValueKind =
  | 'int' // any integer held as a JS number: TINYINT…BIGINT, YEAR
  | 'decimal' // unscaled integer held as a JS number
  | 'float'
  | 'double'
  | 'bool' // BIT(1)
  | 'date' // days since 1970-01-01
  | 'datetime' // microseconds since the epoch, UTC
  | 'string' // CHAR, VARCHAR, TEXT, JSON, ENUM, SET, TIME
  | 'binary'; // BINARY, VARBINARY, BLOB, BIT(n>1): held as a hex string

export type StringFlavor = 'text' | 'json' | 'enum' | 'set' | 'time' | 'code';

export interface SimType {
  /** The MySQL type as written in the mapping. */
  mysql: string;
  kind: ValueKind;
  /** Integers: 8, 16, 32 or 64 bits. */
  bits: number;
  unsigned: boolean;
  precision: number;
  scale: number;
  /** Fractional seconds digits of DATETIME(fsp)/TIMESTAMP(fsp). */
  fsp: number;
  /** Character or byte length limit. */
  length: number;
  flavor: StringFlavor;
  /** ENUM/SET members. */
  members: string[];
  /** TINYINT(1)/BOOLEAN: MySQL's boolean idiom, still INT8 in Parquet. */
  isFlag: boolean;
}

/** The mapping names a type this simulator cannot produce; the message names it. */
export class UnsupportedTypeError extends Error {
  override name = 'UnsupportedTypeError';
}

const TYPE = /^\s*([a-z]+)\s*(?:\(([^)]*)\))?\s*(unsigned)?\s*(?:zerofill)?\s*$/i;

const INT_BITS: Record<string, number> = {
  tinyint: 8,
  bool: 8,
  boolean: 8,
  smallint: 16,
  year: 16,
  mediumint: 32,
  int: 32,
  integer: 32,
  bigint: 64,
};

const TEXT_LENGTH: Record<string, number> = {
  tinytext: 255,
  text: 2000,
  mediumtext: 2000,
  longtext: 2000,
};

/** Parses `decimal(18,2)`, `varchar(64)`, `enum('a','b')`, `bigint unsigned`, … */
export function parseMysqlType(mysql: string): SimType {
  const match = TYPE.exec(mysql);
  if (!match) throw new UnsupportedTypeError(`"${mysql}" is not a MySQL column type the simulator knows`);
  const base = (match[1] ?? '').toLowerCase();
  const args = match[2] ?? '';
  const numbers = args.split(',').map((part) => Number.parseInt(part.trim(), 10));
  const type: SimType = {
    mysql,
    kind: 'string',
    bits: 0,
    unsigned: match[3] !== undefined,
    precision: 0,
    scale: 0,
    fsp: 0,
    length: 0,
    flavor: 'text',
    members: [],
    isFlag: false,
  };
  const bits = INT_BITS[base];
  if (bits !== undefined) {
    type.kind = 'int';
    type.bits = bits;
    type.isFlag = base === 'bool' || base === 'boolean' || (base === 'tinyint' && numbers[0] === 1);
    return type;
  }
  switch (base) {
    case 'decimal':
    case 'numeric':
    case 'dec':
      type.kind = 'decimal';
      type.precision = numbers[0] ?? 10;
      type.scale = Number.isNaN(numbers[1] ?? 0) ? 0 : (numbers[1] ?? 0);
      if (type.precision > 38) {
        throw new UnsupportedTypeError(`"${mysql}": DECIMAL precision above 38 is not simulated`);
      }
      return type;
    case 'float':
      type.kind = 'float';
      return type;
    case 'double':
    case 'real':
      type.kind = 'double';
      return type;
    case 'bit':
      if ((numbers[0] ?? 1) <= 1) type.kind = 'bool';
      else Object.assign(type, { kind: 'binary', length: Math.ceil((numbers[0] ?? 8) / 8) });
      return type;
    case 'date':
      type.kind = 'date';
      return type;
    case 'datetime':
    case 'timestamp':
      type.kind = 'datetime';
      type.fsp = Number.isNaN(numbers[0] ?? 0) ? 0 : (numbers[0] ?? 0);
      return type;
    case 'char':
    case 'varchar':
      type.length = numbers[0] ?? 1;
      type.flavor = type.length <= 3 ? 'code' : 'text';
      return type;
    case 'json':
      type.flavor = 'json';
      return type;
    case 'time':
      type.flavor = 'time';
      return type;
    case 'enum':
    case 'set':
      type.flavor = base;
      type.members = [...args.matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] ?? '').replaceAll("''", "'"));
      if (type.members.length === 0) throw new UnsupportedTypeError(`"${mysql}": ${base} without members`);
      return type;
    case 'binary':
    case 'varbinary':
      type.kind = 'binary';
      type.length = numbers[0] ?? 1;
      return type;
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      type.kind = 'binary';
      type.length = 64;
      return type;
  }
  const textLength = TEXT_LENGTH[base];
  if (textLength !== undefined) {
    type.length = textLength;
    return type;
  }
  throw new UnsupportedTypeError(`"${mysql}" is not a MySQL column type the simulator knows`);
}

/** Smallest FIXED_LEN_BYTE_ARRAY that holds every unscaled value of DECIMAL(precision). */
export function decimalByteLength(precision: number): number {
  let bytes = 1;
  while (2 ** (8 * bytes - 1) <= 10 ** precision - 1) bytes++;
  return bytes;
}

/** The Parquet schema element DMS writes for a column of this type. */
export function parquetElement(name: string, type: SimType): SchemaElement {
  const element: SchemaElement = { name, repetition_type: 'OPTIONAL' };
  switch (type.kind) {
    case 'int': {
      const bits = type.bits;
      if (bits === 64) element.type = 'INT64';
      else element.type = 'INT32';
      if (bits === 8 || bits === 16 || type.unsigned) {
        // Only the legacy converted type (INT_8 …): hyparquet-writer 0.17 serializes the INTEGER
        // logical type's bitWidth as i32 where Thrift wants i8, and DuckDB rejects that footer.
        // Readers map INT_8/UINT_32/… to the same types as the logical annotation would.
        element.converted_type =
          `${type.unsigned ? 'UINT' : 'INT'}_${bits}` as SchemaElement['converted_type'];
      }
      return element;
    }
    case 'decimal':
      return Object.assign(element, {
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: decimalByteLength(type.precision),
        converted_type: 'DECIMAL',
        precision: type.precision,
        scale: type.scale,
        logical_type: { type: 'DECIMAL', precision: type.precision, scale: type.scale },
      } satisfies Partial<SchemaElement>);
    case 'float':
      return Object.assign(element, { type: 'FLOAT' } satisfies Partial<SchemaElement>);
    case 'double':
      return Object.assign(element, { type: 'DOUBLE' } satisfies Partial<SchemaElement>);
    case 'bool':
      return Object.assign(element, { type: 'BOOLEAN' } satisfies Partial<SchemaElement>);
    case 'date':
      return Object.assign(element, {
        type: 'INT32',
        converted_type: 'DATE',
        logical_type: { type: 'DATE' },
      } satisfies Partial<SchemaElement>);
    case 'datetime':
      return Object.assign(element, {
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      } satisfies Partial<SchemaElement>);
    case 'binary':
      return Object.assign(element, { type: 'BYTE_ARRAY' } satisfies Partial<SchemaElement>);
    case 'string':
      return stringElement(name);
  }
}

export function stringElement(name: string): SchemaElement {
  return {
    name,
    repetition_type: 'OPTIONAL',
    type: 'BYTE_ARRAY',
    converted_type: 'UTF8',
    logical_type: { type: 'STRING' },
  };
}

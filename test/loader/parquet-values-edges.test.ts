import type { SchemaElement } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import {
  columnDecoder,
  decimalText,
  exactParsers,
  ParquetValueError,
  rawDecimals,
} from '../../lambdas/loader/current-table/parquet-values.js';

/**
 * parquet-values.ts on its own: each conversion from what hyparquet hands over to the canonical value
 * the CDC table encoder takes. A wrong conversion here writes a wrong value silently into the current
 * table, so each case pins the exact value, at the edges (negative, zero, before 1970, day bounds).
 */
const plain: SchemaElement = { name: 'v' };
const decoder = (type: string, element: SchemaElement = plain, scale?: number) =>
  columnDecoder(element, scale, type);
const timeElement = (unit: 'MILLIS' | 'MICROS' | 'NANOS'): SchemaElement => ({
  name: 'v',
  logical_type: { type: 'TIME', isAdjustedToUTC: false, unit },
});

describe('exactParsers', () => {
  it('keeps timestamps as exact microseconds, dates as days and JSON as text', () => {
    expect(exactParsers.timestampFromMilliseconds?.(-1_500n)).toBe(-1_500_000n);
    expect(exactParsers.timestampFromMicroseconds?.(-1_234_567n)).toBe(-1_234_567n);
    expect(exactParsers.timestampFromNanoseconds?.(1_234_567_000n)).toBe(1_234_567n);
    expect(exactParsers.dateFromDays?.(-719_162)).toBe(-719_162);
    expect(exactParsers.jsonFromBytes?.(new TextEncoder().encode('{"a":1}'))).toBe('{"a":1}');
  });

  it('leaves a missing JSON value missing instead of decoding it to an empty text', () => {
    expect(exactParsers.jsonFromBytes?.(undefined as unknown as Uint8Array)).toBeUndefined();
  });
});

describe('decimalText', () => {
  it('writes scale 0 as a whole number and a negative scale as trailing zeros', () => {
    expect(decimalText(5n, 0)).toBe('5');
    expect(decimalText(-5n, 0)).toBe('-5');
    expect(decimalText(12n, -2)).toBe('1200');
    expect(decimalText(-12n, -3)).toBe('-12000');
  });

  it('writes zero without a sign and negatives with their leading zeros', () => {
    expect(decimalText(0n, 2)).toBe('0.00');
    expect(decimalText(-5n, 3)).toBe('-0.005');
    expect(decimalText(-12345n, 2)).toBe('-123.45');
  });
});

describe('rawDecimals', () => {
  it('takes the scale of a DECIMAL given only as a converted type, 0 when the file leaves it out', () => {
    const schema: SchemaElement[] = [
      { name: 'root', num_children: 2 },
      { name: 'price', converted_type: 'DECIMAL', scale: 2, precision: 9 },
      { name: 'count', converted_type: 'DECIMAL', precision: 9 },
    ];
    expect([...rawDecimals(schema)]).toEqual([
      ['price', 2],
      ['count', 0],
    ]);
    expect(schema[1]?.converted_type).toBeUndefined();
  });
});

describe('DECIMAL columns', () => {
  it('decodes big-endian two’s complement bytes, integers, and keeps nulls null', () => {
    const decode = decoder('NUMERIC', plain, 2);
    expect(decode(new Uint8Array([0xff, 0x85]))).toBe('-1.23');
    expect(decode(new Uint8Array([0x00, 0x80]))).toBe('1.28');
    expect(decode(-123n)).toBe('-1.23');
    expect(decode(7)).toBe('0.07');
    expect(decode(null)).toBeNull();
    expect(decode(undefined)).toBeNull();
  });
});

describe('TIME columns', () => {
  it('reads milliseconds, by logical or converted type', () => {
    expect(decoder('TIME', timeElement('MILLIS'))(45_296_789)).toBe('12:34:56.789000');
    expect(decoder('TIME', { name: 'v', converted_type: 'TIME_MILLIS' })(45_296_789)).toBe('12:34:56.789000');
  });

  it('reads microseconds, by logical or converted type', () => {
    expect(decoder('TIME', timeElement('MICROS'))(45_296_000_001n)).toBe('12:34:56.000001');
    expect(decoder('TIME', { name: 'v', converted_type: 'TIME_MICROS' })(45_296_000_001n)).toBe(
      '12:34:56.000001',
    );
  });

  it('reads nanoseconds, dropping what is below a microsecond', () => {
    expect(decoder('TIME', timeElement('NANOS'))(45_296_000_001_999n)).toBe('12:34:56.000001');
  });

  it('writes a whole second without a fraction', () => {
    expect(decoder('TIME', timeElement('MICROS'))(3_600_000_000n)).toBe('01:00:00');
  });

  it('passes a value without a TIME annotation through, and a missing one as null', () => {
    expect(decoder('TIME')(5n)).toBe(5n);
    expect(decoder('TIME', timeElement('MICROS'))('12:00:00')).toBe('12:00:00');
    expect(decoder('TIME', timeElement('MICROS'))(undefined)).toBeNull();
  });
});

describe('DATETIME columns', () => {
  const decode = decoder('DATETIME');

  it('writes microseconds since 1970 as wall-clock text, before 1970 too', () => {
    expect(decode(1_234_567n)).toBe('1970-01-01 00:00:01.234567');
    expect(decode(-1n)).toBe('1969-12-31 23:59:59.999999');
    expect(decode(-86_400_000_001n)).toBe('1969-12-30 23:59:59.999999');
    expect(decode(-1_500n)).toBe('1969-12-31 23:59:59.998500');
  });

  it('puts midnight on the day it starts', () => {
    expect(decode(86_400_000_000n)).toBe('1970-01-02 00:00:00');
    expect(decode(-86_400_000_000n)).toBe('1969-12-31 00:00:00');
    expect(decode(0n)).toBe('1970-01-01 00:00:00');
  });

  it('keeps text as it is and missing values null', () => {
    expect(decode('2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05');
    expect(decode(null)).toBeNull();
    expect(decode(undefined)).toBeNull();
  });

  it('refuses what is not an instant, naming the column', () => {
    expect(() => decode(1.5)).toThrow(new ParquetValueError('column v: 1.5 is not a DATETIME'));
  });
});

describe('TIMESTAMP columns', () => {
  const decode = decoder('TIMESTAMP');

  it('keeps microseconds as integers and dates as dates', () => {
    expect(decode(-1_500n)).toBe(-1_500n);
    expect(decode(5)).toBe(5n);
    const date = new Date(0);
    expect(decode(date)).toBe(date);
    expect(decode(null)).toBeNull();
    expect(decode(undefined)).toBeNull();
  });

  it('refuses anything else with a one-line error naming the column and the value', () => {
    let caught: unknown;
    try {
      decode('soon');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ParquetValueError);
    expect((caught as Error).name).toBe('ParquetValueError');
    expect((caught as Error).message).toBe('column v: "soon" is not a TIMESTAMP');
  });

  it('shows at most 60 characters of the value, and a value JSON cannot show as undefined', () => {
    const long = 'x'.repeat(100);
    expect(() => decode(long)).toThrow(`column v: "${'x'.repeat(59)} is not a TIMESTAMP`);
    expect(() => decode(Symbol('s'))).toThrow(
      new ParquetValueError('column v: undefined is not a TIMESTAMP'),
    );
  });
});

describe('FLOAT, STRING, BYTES, NUMERIC and other columns', () => {
  it('turns integers into numbers for FLOAT and FLOAT64', () => {
    for (const type of ['FLOAT', 'FLOAT64']) {
      expect(decoder(type)(5n)).toBe(5);
      expect(decoder(type)(1.5)).toBe(1.5);
      expect(decoder(type)(null)).toBeNull();
      expect(decoder(type)(undefined)).toBeNull();
    }
  });

  it('turns bytes and numbers into text for STRING and JSON', () => {
    for (const type of ['STRING', 'JSON']) {
      expect(decoder(type)(new TextEncoder().encode('é'))).toBe('é');
      expect(decoder(type)(5n)).toBe('5');
      expect(decoder(type)(1.5)).toBe('1.5');
      expect(decoder(type)('a')).toBe('a');
      expect(decoder(type)(undefined)).toBeNull();
    }
  });

  it('turns text into its UTF-8 bytes for BYTES', () => {
    expect(decoder('BYTES')('é')).toEqual(new Uint8Array([0xc3, 0xa9]));
    const bytes = new Uint8Array([1, 2]);
    expect(decoder('BYTES')(bytes)).toBe(bytes);
    expect(decoder('BYTES')(undefined)).toBeNull();
  });

  it('turns integers and doubles into decimal text for NUMERIC and BIGNUMERIC', () => {
    for (const type of ['NUMERIC', 'BIGNUMERIC']) {
      expect(decoder(type)(-12n)).toBe('-12');
      expect(decoder(type)(1.5)).toBe('1.5');
      expect(decoder(type)('1.25')).toBe('1.25');
      expect(decoder(type)(null)).toBeNull();
      expect(decoder(type)(undefined)).toBeNull();
    }
  });

  it('passes other types through, missing values as null', () => {
    expect(decoder('INT64')(5n)).toBe(5n);
    expect(decoder('BOOL')(undefined)).toBeNull();
  });
});

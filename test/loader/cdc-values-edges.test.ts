import type { TableField } from '@google-cloud/bigquery';
import { adapt } from '@google-cloud/bigquery-storage';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor';
import { describe, expect, it } from 'vitest';
import { CdcValueError, rowEncoder } from '../../lambdas/shared/bigquery/cdc-values.js';

/**
 * rowEncoder on its own: each column type's conversion, checked by decoding the row with the proto2
 * descriptor the production client's adapt module builds for the same fields (as cdc-table-stream.ts
 * does), and each refusal's one-line message, which is what an operator gets to find the bad row.
 */
const TABLE = 'projects/p/datasets/shop/tables/orders_current';

/** `Type.fromDescriptor`, which `protobufjs/ext/descriptor` adds to Type when imported (above). */
const fromDescriptor = Reflect.get(protobuf.Type, 'fromDescriptor') as (descriptor: unknown) => protobuf.Type;

function decode(fields: TableField[], bytes: Uint8Array): Record<string, unknown> {
  const descriptor = adapt.convertStorageSchemaToProto2Descriptor(
    adapt.convertBigQuerySchemaToStorageTableSchema({ fields }),
    'root',
    adapt.withChangeType(),
    adapt.withChangeSequenceNumber(),
  );
  const type = fromDescriptor(descriptor);
  return type.toObject(type.decode(bytes), { longs: String, bytes: Array });
}

/** The value column `v` of type `type` arrives as, decoded from the encoded row. */
function encoded(type: string, value: unknown): unknown {
  const fields = [{ name: 'v', type }];
  return decode(fields, rowEncoder(TABLE, fields).encode({ v: value }, 'UPSERT', '1')).v;
}

/** What encoding `value` into a column `v` of type `type` throws. */
function refusal(type: string, value: unknown): Error {
  try {
    rowEncoder(TABLE, [{ name: 'v', type }]).encode({ v: value }, 'UPSERT', '1');
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${type} took ${String(value)}`);
}

describe('INT64 columns', () => {
  it.each([
    [-(2n ** 63n), '-9223372036854775808'],
    [2n ** 63n - 1n, '9223372036854775807'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    ['-9223372036854775808', '-9223372036854775808'],
    ['9223372036854775807', '9223372036854775807'],
    ['+5', '5'],
    ['-12', '-12'],
    ['0012', '12'],
  ])('takes %s as %s', (value, expected) => {
    // Act
    const result = encoded('INT64', value);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    [2n ** 63n, '9223372036854775808n'],
    [-(2n ** 63n) - 1n, '-9223372036854775809n'],
    ['9223372036854775808', '9223372036854775808n'],
    ['-9223372036854775809', '-9223372036854775809n'],
  ])('refuses %s, outside INT64, showing it as a bigint', (value, shown) => {
    // Act
    const error = refusal('INTEGER', value);

    // Assess
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe(`column v: ${shown} is not within INT64`);
  });

  it.each(['x5', '5x', ' 5', '5 ', '', '1.0', '1e3', '+', '0x10'])('refuses the text %j', (value) => {
    // Act
    const error = refusal('INT64', value);

    // Assess
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe(
      `column v: ${JSON.stringify(value)} is not an integer (bigint, safe integer number or decimal string)`,
    );
  });

  it('refuses a number past 2^53, whose digits a double no longer holds', () => {
    // Act
    const error = refusal('INT64', 2 ** 53);

    // Assess
    expect(error.message).toBe(
      'column v: 9007199254740992 is not an integer (bigint, safe integer number or decimal string)',
    );
  });
});

describe('TIMESTAMP columns', () => {
  it('takes a Date as microseconds since 1970', () => {
    // Prepare
    const at = new Date(Date.UTC(2024, 2, 27, 1, 43, 5, 123));

    // Act
    const result = encoded('TIMESTAMP', at);

    // Assess
    expect(result).toBe(`${at.getTime()}000`);
    expect(result).toBe('1711503785123000');
  });

  it('takes a Date before 1970 as negative microseconds', () => {
    // Act
    const result = encoded('TIMESTAMP', new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 999)));

    // Assess
    expect(result).toBe('-1000');
  });

  it('takes a bigint as microseconds already', () => {
    // Act
    const result = encoded('TIMESTAMP', 1_711_503_785_123_456n);

    // Assess
    expect(result).toBe('1711503785123456');
  });

  it.each([
    ['2024-03-27T01:43:05Z', '"2024-03-27T01:43:05Z"'],
    [1_711_503_785_123, '1711503785123'],
    // By name, not as JSON.stringify's null.
    [new Date(Number.NaN), 'Invalid Date'],
  ])('refuses %s, naming what a TIMESTAMP takes', (value, shown) => {
    // Act
    const error = refusal('TIMESTAMP', value);

    // Assess
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe(
      `column v: ${shown} is not a TIMESTAMP (bigint microseconds since 1970 or Date)`,
    );
  });
});

describe('DATE, FLOAT64, BOOL and BYTES columns', () => {
  it.each([
    ['DATE', 19_809, 19_809],
    ['DATE', -1, -1],
    ['FLOAT64', 1.5, 1.5],
    ['FLOAT', -0.25, -0.25],
    ['BOOL', false, false],
    ['BOOLEAN', true, true],
    ['BYTES', new Uint8Array([0, 1, 255]), [0, 1, 255]],
    ['BYTES', Buffer.from('hi'), [104, 105]],
  ])('%s takes %j', (type, value, expected) => {
    // Act
    const result = encoded(type, value);

    // Assess
    expect(result).toEqual(expected);
  });

  it.each([
    ['DATE', 1.5, 'column v: 1.5 is not a DATE (integer days since 1970-01-01)'],
    ['DATE', '2024-03-27', 'column v: "2024-03-27" is not a DATE (integer days since 1970-01-01)'],
    ['FLOAT64', '1.5', 'column v: "1.5" is not a FLOAT64 (number)'],
    ['BOOL', 'true', 'column v: "true" is not a BOOL (boolean)'],
    ['BYTES', 'AAH/', 'column v: "AAH/" is not BYTES (Uint8Array)'],
  ])('%s refuses %j', (type, value, message) => {
    // Act
    const error = refusal(type, value);

    // Assess
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe(message);
  });
});

describe('NUMERIC and BIGNUMERIC columns', () => {
  it.each([
    '5',
    '-5',
    '+5',
    '5.',
    '5.25',
    '.5',
    '-.55',
    '1e5',
    '1E10',
    '1e+5',
    '2.5e-3',
    '.5e-10',
    '123456789012345678901234567890.123456789',
  ])('takes the text %j as it is', (value) => {
    // Act
    const results = [encoded('NUMERIC', value), encoded('BIGNUMERIC', value)];

    // Assess
    expect(results).toEqual([value, value]);
  });

  it.each([
    [12_345_678_901_234_567_890n, '12345678901234567890'],
    [1.5, '1.5'],
    [-3, '-3'],
  ])('takes %s as its decimal text %j', (value, expected) => {
    // Act
    const result = encoded('NUMERIC', value);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['x5', '"x5"'],
    ['5x', '"5x"'],
    [' 5', '" 5"'],
    ['', '""'],
    ['.', '"."'],
    ['1e', '"1e"'],
    ['e5', '"e5"'],
    ['1e+', '"1e+"'],
    ['1e5.5', '"1e5.5"'],
    ['1.2.3', '"1.2.3"'],
    // By name, not as JSON.stringify's null.
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [true, 'true'],
  ])('refuses %j', (value, shown) => {
    // Act
    const error = refusal('NUMERIC', value);

    // Assess
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe(`column v: ${shown} is not a decimal string`);
  });
});

describe('STRING-like and JSON columns', () => {
  it.each(['STRING', 'GEOGRAPHY', 'DATETIME', 'TIME'])('%s takes a string and refuses a number', (type) => {
    // Act
    const result = encoded(type, 'POINT(1 2)');
    const error = refusal(type, 5);

    // Assess
    expect(result).toBe('POINT(1 2)');
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe('column v: 5 is not a string');
  });

  it.each([
    ['{"a": 1}', '{"a": 1}'],
    [{ a: [1, 'x'] }, '{"a":[1,"x"]}'],
    [[1, 2], '[1,2]'],
    [7, '7'],
    [false, 'false'],
  ])('JSON takes %j as %j', (value, expected) => {
    // Act
    const result = encoded('JSON', value);

    // Assess
    expect(result).toBe(expected);
  });

  it('JSON refuses a value JSON has no text for', () => {
    // Act
    const error = refusal('JSON', Symbol('price'));

    // Assess
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe('column v: Symbol(price) is not JSON text');
  });

  it.each([
    [{ a: 12n }, '{"a":"12n"}'],
    [12n, '12n'],
  ])('JSON refuses a bigint, which JSON has no text for, naming the column: %s', (value, shown) => {
    // Act
    const error = refusal('JSON', value);

    // Assess: a CdcValueError with the column, not JSON.stringify's own TypeError.
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe(`column v: ${shown} is not JSON text`);
  });

  it('JSON refuses an object that holds itself, naming the column', () => {
    // Prepare
    const value: Record<string, unknown> = {};
    value.self = value;

    // Act
    const error = refusal('JSON', value);

    // Assess
    expect(error).toBeInstanceOf(CdcValueError);
    expect(error.message).toBe('column v: [object Object] is not JSON text');
  });
});

describe('refusal messages', () => {
  it('are CdcValueErrors by name, so a log line or stack says what failed', () => {
    // Act
    const error = refusal('INT64', 'one');

    // Assess
    expect(error.name).toBe('CdcValueError');
    expect(String(error)).toMatch(/^CdcValueError: column v: "one" is not an integer/);
  });

  it('show at most 80 characters of the value', () => {
    // Prepare
    const value = 'x'.repeat(200);

    // Act
    const error = refusal('INT64', value);

    // Assess
    expect(error.message).toBe(
      `column v: "${'x'.repeat(79)} is not an integer (bigint, safe integer number or decimal string)`,
    );
  });
});

describe('rowEncoder', () => {
  const fields: TableField[] = [
    { name: 'Id', type: 'INTEGER', mode: 'REQUIRED' },
    { name: 'name', type: 'STRING' },
    { name: 'note', type: 'STRING' },
  ];

  it('numbers the columns as the client descriptor does and adds the pseudo-columns', () => {
    // Act
    const row = decode(fields, rowEncoder(TABLE, fields).encode({ Id: 7, note: 'n' }, 'DELETE', '2a/1'));

    // Assess
    expect(row).toEqual({ Id: '7', note: 'n', _CHANGE_TYPE: 'DELETE', _CHANGE_SEQUENCE_NUMBER: '2a/1' });
  });

  it.each(['Id', 'id', 'ID', 'iD'])('finds column Id from the value named %s', (name) => {
    // Act
    const row = decode(fields, rowEncoder(TABLE, fields).encode({ [name]: 3 }, 'UPSERT', '1'));

    // Assess
    expect(row.Id).toBe('3');
  });

  it('leaves out null and undefined values, which a CDC upsert writes as NULL', () => {
    // Prepare
    const encoder = rowEncoder(TABLE, fields);

    // Act
    const bytes = encoder.encode({ Id: 1, name: null, note: undefined }, 'UPSERT', '1');

    // Assess
    expect(decode(fields, bytes)).toEqual({ Id: '1', _CHANGE_TYPE: 'UPSERT', _CHANGE_SEQUENCE_NUMBER: '1' });
    expect(bytes).toEqual(encoder.encode({ Id: 1 }, 'UPSERT', '1'));
  });

  it('refuses a value for a column the table does not have, naming table and column', () => {
    // Act
    const act = () => rowEncoder(TABLE, fields).encode({ Id: 1, price: 2 }, 'UPSERT', '1');

    // Assess
    expect(act).toThrow(CdcValueError);
    expect(act).toThrow(`table ${TABLE} has no column price: add it to the table first`);
  });

  it.each([
    [{ name: 'tags', type: 'STRING', mode: 'REPEATED' }, 'column tags (REPEATED STRING)'],
    [{ name: 'address', type: 'RECORD', mode: 'NULLABLE' }, 'column address (RECORD)'],
    [{ name: 'area', type: 'RANGE' }, 'column area (RANGE)'],
    [{ name: 'untyped' }, 'column untyped ()'],
  ])('refuses the field %j, naming table, column and type', (field, named) => {
    // Act
    const act = () => rowEncoder(TABLE, [{ name: 'id', type: 'INT64' }, field]);

    // Assess
    expect(act).toThrow(CdcValueError);
    expect(act).toThrow(`table ${TABLE}: ${named} cannot be streamed to a CDC table`);
  });

  it('keys a field without a name by the empty name, keeping its number', () => {
    // Prepare: TableField.name is optional in the client's types; BigQuery's schemas always have one.
    const nameless = rowEncoder(TABLE, [{ type: 'STRING' }]);
    const named = rowEncoder(TABLE, [{ name: 'n', type: 'STRING' }]);

    // Act
    const bytes = nameless.encode({ '': 'a' }, 'UPSERT', '1');

    // Assess
    expect(bytes).toEqual(named.encode({ n: 'a' }, 'UPSERT', '1'));
  });
});

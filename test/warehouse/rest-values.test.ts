import { describe, expect, it } from 'vitest';
import {
  canonicalValue,
  epochDays,
  rowCells,
  UnsupportedColumnError,
} from '../../lambdas/shared/warehouse/rest-values.js';

describe('canonicalValue: jobs.getQueryResults text → the CDC streamer’s canonical values', () => {
  it.each([
    ['INTEGER', '9007199254740993', '9007199254740993'],
    ['INT64', '-42', '-42'],
    ['NUMERIC', '-12345678901234567890123456789.123456789', '-12345678901234567890123456789.123456789'],
    ['BIGNUMERIC', '0.00000000000000000000000000000000000001', '0.00000000000000000000000000000000000001'],
    ['STRING', 'añ€ 😀', 'añ€ 😀'],
    ['FLOAT', '1.5E-7', 1.5e-7],
    ['FLOAT64', '-Infinity', Number.NEGATIVE_INFINITY],
    ['BOOLEAN', 'true', true],
    ['BOOL', 'false', false],
    ['TIMESTAMP', '1767225600123456', 1767225600123456n],
    ['TIMESTAMP', '-62135596800000000', -62135596800000000n],
    ['DATE', '1970-01-01', 0],
    ['DATE', '2026-11-30', 20_787],
    ['DATETIME', '2026-11-30T12:00:00.123456', '2026-11-30T12:00:00.123456'],
    ['TIME', '23:59:59.999999', '23:59:59.999999'],
  ])('keeps a %s exactly (%s)', (type, text, expected) => {
    // Act
    const value = canonicalValue({ name: 'c', type }, text);

    // Assess
    expect(value).toEqual(expected);
  });

  it('decodes BYTES from base64 into a Uint8Array', () => {
    // Act
    const value = canonicalValue({ name: 'raw', type: 'BYTES' }, Buffer.from([0, 255, 7]).toString('base64'));

    // Assess
    expect(value).toBeInstanceOf(Uint8Array);
    expect([...(value as Uint8Array)]).toEqual([0, 255, 7]);
  });

  it('keeps NULL as null', () => {
    // Act
    const value = canonicalValue({ name: 'c', type: 'INTEGER' }, null);

    // Assess
    expect(value).toBeNull();
  });

  it.each([
    [{ name: 'tags', type: 'STRING', mode: 'REPEATED' }, [{ v: 'a' }], /tags: REPEATED/],
    [{ name: 'doc', type: 'JSON' }, '{}', /doc: type JSON/],
    [{ name: 'geo', type: 'GEOGRAPHY' }, 'POINT(1 2)', /geo: type GEOGRAPHY/],
  ])('refuses a column a CDC row cannot carry, naming it (%o)', (field, text, message) => {
    // Act
    const convert = () => canonicalValue(field, text);

    // Assess
    expect(convert).toThrow(UnsupportedColumnError);
    expect(convert).toThrow(message);
  });

  it('refuses a TIMESTAMP that is not int64 microseconds, naming the column', () => {
    // Act
    const convert = () => canonicalValue({ name: 'seen_at', type: 'TIMESTAMP' }, '1.767225600123456E9');

    // Assess
    expect(convert).toThrow(/seen_at: TIMESTAMP "1.767225600123456E9"/);
  });
});

describe('epochDays', () => {
  it.each([
    ['0001-01-01', -719_162],
    ['0099-12-31', -683_004],
    ['1969-12-31', -1],
    ['9999-12-31', 2_932_896],
  ])('counts the days of %s from 1970-01-01, BigQuery’s DATE range included', (text, days) => {
    // Act
    const value = epochDays(text);

    // Assess
    expect(value).toBe(days);
  });
});

describe('rowCells', () => {
  it('names the cells of an f/v row by the response schema', () => {
    // Prepare
    const fields = [
      { name: 'id', type: 'INTEGER' },
      { name: 'name', type: 'STRING' },
    ];

    // Act
    const cells = rowCells(fields, { f: [{ v: '1' }, { v: null }] });

    // Assess
    expect([...cells]).toEqual([
      ['id', '1'],
      ['name', null],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalValue, changeSeq, dmsTimestamp, parseMysqlType } from '../../local/simulator/index.js';

describe('canonicalValue', () => {
  it.each([
    { type: 'bigint', value: 12n, expected: 12 },
    { type: 'bigint unsigned', value: 18446744073709551615n, expected: '18446744073709551615' },
    { type: 'int', value: '42', expected: 42 },
    { type: 'tinyint(1)', value: 1, expected: 1 },
    { type: 'decimal(18,2)', value: 12.5, expected: '12.50' },
    { type: 'decimal(18,2)', value: '12.5', expected: '12.50' },
    { type: 'decimal(18,2)', value: '-0.10', expected: '-0.10' },
    { type: 'decimal(18,2)', value: '-0.00', expected: '0.00' },
    { type: 'decimal(38,10)', value: '1234.5678901234', expected: '1234.5678901234' },
    { type: 'decimal(10,0)', value: 7n, expected: '7' },
    { type: 'double', value: 1.25, expected: 1.25 },
    { type: 'bit(1)', value: true, expected: true },
    { type: 'date', value: new Date('2026-01-02T00:00:00Z'), expected: '2026-01-02' },
    { type: 'date', value: '2026-01-02', expected: '2026-01-02' },
    {
      type: 'datetime',
      value: new Date('2026-01-02T03:04:05.678Z'),
      expected: '2026-01-02T03:04:05.678000Z',
    },
    { type: 'datetime(6)', value: 1767225600123456n, expected: '2026-01-01T00:00:00.123456Z' },
    { type: 'timestamp', value: '2026-01-01 00:00:00.5+00', expected: '2026-01-01T00:00:00.500000Z' },
    { type: 'datetime', value: '2026-01-01T00:00:00Z', expected: '2026-01-01T00:00:00.000000Z' },
    { type: 'datetime(6)', value: '2025-10-12T13:45:57.196041000Z', expected: '2025-10-12T13:45:57.196041Z' },
    { type: 'varchar(8)', value: new TextEncoder().encode('zürich'), expected: 'zürich' },
    { type: "enum('a','b')", value: 'b', expected: 'b' },
    { type: 'json', value: '{"a":1}', expected: '{"a":1}' },
    { type: 'varbinary(4)', value: new Uint8Array([0, 255]), expected: 'AP8=' },
    { type: 'varchar(8)', value: null, expected: null },
    { type: 'date', value: undefined, expected: null },
  ])('turns $type $value into $expected', ({ type, value, expected }) => {
    // Act
    const canonical = canonicalValue(type, value);

    // Assess
    expect(canonical).toEqual(expected);
  });

  it('refuses a decimal with more significant decimals than the scale', () => {
    // Act
    const attempt = () => canonicalValue('decimal(18,2)', '1.234');

    // Assess
    expect(attempt).toThrow(/more than 2 significant decimals/);
  });
});

describe('DMS header values', () => {
  it('formats _dms_timestamp with six fractional digits', () => {
    // Act
    const text = dmsTimestamp(1767225600000000 + 7);

    // Assess
    expect(text).toBe('2026-01-01 00:00:00.000007');
  });

  it('builds the change sequence from yyyyMMddHHmmss, hundredths and a 19-digit counter', () => {
    // Act
    const seq = changeSeq(Date.parse('2026-03-04T05:06:07.891Z') * 1000, 42);

    // Assess
    expect(seq).toBe('20260304050607890000000000000000042');
  });
});

describe('parseMysqlType', () => {
  it.each([
    { mysql: 'DECIMAL(18, 2)', fields: { kind: 'decimal', precision: 18, scale: 2 } },
    { mysql: 'tinyint(1)', fields: { kind: 'int', bits: 8, isFlag: true } },
    { mysql: 'int(11) unsigned', fields: { kind: 'int', bits: 32, unsigned: true } },
    { mysql: "enum('it''s','b')", fields: { kind: 'string', flavor: 'enum', members: ["it's", 'b'] } },
    { mysql: 'datetime(3)', fields: { kind: 'datetime', fsp: 3 } },
    { mysql: 'bit(64)', fields: { kind: 'binary', length: 8 } },
  ])('reads $mysql', ({ mysql, fields }) => {
    // Act
    const type = parseMysqlType(mysql);

    // Assess
    expect(type).toMatchObject(fields);
  });

  it.each(['geometry', 'decimal(65,2)', 'not a type'])('rejects %s by name', (mysql) => {
    // Act
    const attempt = () => parseMysqlType(mysql);

    // Assess
    expect(attempt).toThrow(mysql);
  });
});

import { describe, expect, it } from 'vitest';
import {
  compareChangeSequences,
  dmsChangeSequence,
  dmsTimestampMicros,
  parseChangeSequence,
} from '../../lambdas/shared/bigquery/change-sequence.js';

const compare = (a: string, b: string): number =>
  Math.sign(compareChangeSequences(parseChangeSequence(a), parseChangeSequence(b)));

describe('parseChangeSequence', () => {
  it('reads up to four hexadecimal sections in either case', () => {
    // Act
    const sequence = parseChangeSequence('ff/0/A/FFFFFFFFFFFFFFFF');

    // Assess
    expect(sequence).toEqual([255n, 0n, 10n, 18446744073709551615n]);
  });

  it.each([
    ['five sections', '1/2/3/4/5'],
    ['a 17-digit section', '10000000000000000'],
    ['an empty section', '1//2'],
    ['a non-hex digit', '12G'],
    ['an empty string', ''],
    ['a sign', '-1'],
  ])('refuses %s, naming the value', (_case, text) => {
    // Act
    const parse = () => parseChangeSequence(text);

    // Assess
    expect(parse).toThrow(`Invalid _CHANGE_SEQUENCE_NUMBER "${text}"`);
  });
});

describe('compareChangeSequences (the documentation examples)', () => {
  it.each([
    ['7B', '77'],
    ['FFF/ABC', 'FFF/B'],
    ['ABC', 'BA/FFFFFFFF'],
    ['FFF/ABC', 'ABC'],
    ['100', 'FF'],
    ['1/10', '1/2'],
  ])('orders %s after %s', (later, earlier) => {
    // Act
    const order = [compare(later, earlier), compare(earlier, later)];

    // Assess
    expect(order).toEqual([1, -1]);
  });

  it('treats case and leading zeros as the same number', () => {
    // Act
    const order = compare('00ff/1', 'FF/01');

    // Assess
    expect(order).toBe(0);
  });
});

describe('dmsChangeSequence', () => {
  const seq = (timestampDigits: string, counter: string): string =>
    `${timestampDigits}${counter.padStart(19, '0')}`;

  it('encodes timestamp micros, CDC flag and both halves of the change seq in hex', () => {
    // Act
    const sequence = dmsChangeSequence('1970-01-01 00:00:01.000002', seq('1234567890123456', '255'));

    // Assess
    expect(sequence).toBe(`F4242/1/${(1234567890123456).toString(16).toUpperCase()}/FF`);
  });

  it('puts a full-load row (empty change seq) below any change with the same timestamp', () => {
    // Prepare
    const timestamp = '2024-03-27 01:43:03.888000';

    // Act
    const order = compare(
      dmsChangeSequence(timestamp, ''),
      dmsChangeSequence(timestamp, seq('0000000000000000', '0')),
    );

    // Assess
    expect(order).toBe(-1);
  });

  it('orders rows with the same timestamp by change seq, counter included', () => {
    // Prepare
    const timestamp = '2024-03-27 01:43:03.888000';

    // Act
    const order = compare(
      dmsChangeSequence(timestamp, seq('1711503783888000', '10')),
      dmsChangeSequence(timestamp, seq('1711503783888000', '9')),
    );

    // Assess
    expect(order).toBe(1);
  });

  it('lets a later timestamp win over a larger change seq (timestamp first, as the view ranks)', () => {
    // Act
    const order = compare(
      dmsChangeSequence('2024-03-27 01:43:03.888001', ''),
      dmsChangeSequence('2024-03-27 01:43:03.888000', seq('9999999999999999', '9999999999999999999')),
    );

    // Assess
    expect(order).toBe(1);
  });

  it('orders a full-load row captured during CDC by its timestamp against the changes around it', () => {
    // Prepare: the task start time of the full load sits between two changes.
    const before = dmsChangeSequence('2024-03-27 01:00:00.000000', seq('1711501200000000', '1'));
    const fullLoad = dmsChangeSequence('2024-03-27 01:30:00.000000', null);
    const after = dmsChangeSequence('2024-03-27 02:00:00.000000', seq('1711504800000000', '2'));

    // Act
    const order = [compare(fullLoad, before), compare(after, fullLoad)];

    // Assess
    expect(order).toEqual([1, 1]);
  });

  it('matches the text order of the fixed-width columns for the largest values', () => {
    // Act
    const sequence = dmsChangeSequence(
      '9999-12-31 23:59:59.999999',
      seq('9999999999999999', '9999999999999999999'),
    );

    // Assess
    expect(() => parseChangeSequence(sequence)).not.toThrow();
    expect(sequence.split('/')).toHaveLength(4);
  });

  it.each([
    ['a timestamp without seconds', '2024-03-27 01:43', ''],
    ['an impossible date', '2024-02-30 00:00:00.000000', ''],
    ['a timestamp before 1970', '1969-12-31 23:59:59.999999', ''],
    ['a change seq with letters', '2024-03-27 01:43:03.888000', '12ab'],
    ['a change seq longer than 35 digits', '2024-03-27 01:43:03.888000', '1'.repeat(36)],
  ])('refuses %s with an error naming the column', (_case, timestamp, changeSeq) => {
    // Act
    const derive = () => dmsChangeSequence(timestamp, changeSeq);

    // Assess
    expect(derive).toThrow(/^Invalid _dms_(timestamp|change_seq) "/);
  });

  it('reads fractions shorter than six digits as microseconds', () => {
    // Act
    const micros = dmsTimestampMicros('1970-01-01 00:00:00.5');

    // Assess
    expect(micros).toBe(500000n);
  });
});

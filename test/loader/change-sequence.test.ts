import { describe, expect, it } from 'vitest';
import {
  CHANGE_ORDER_VERSION,
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

  it('sorts a sequence before a longer one it is the start of', () => {
    // Act
    const order = [compare('1/2', '1/2/0'), compare('1/2/0', '1/2'), compare('1/2', '1/2/5')];

    // Assess
    expect(order).toEqual([-1, 1, -1]);
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

  it('encodes a change by its change seq alone: its second, the CDC flag and both halves', () => {
    // Act
    const sequence = dmsChangeSequence('1970-01-01 00:00:01.000002', seq('2024032701430388', '255'));

    // Assess
    expect(sequence).toBe(
      `${(20240327014303).toString(16).toUpperCase()}/1/${(2024032701430388).toString(16).toUpperCase()}/FF`,
    );
  });

  it('encodes a full-load row by the second of its timestamp, then the timestamp in microseconds', () => {
    // Act
    const sequence = dmsChangeSequence('1970-01-01 00:00:01.000002', '');

    // Assess
    expect(sequence).toBe(`${(19700101000001).toString(16).toUpperCase()}/0/F4242/0`);
  });

  it("lets a change of the full load's own second win, even one stamped before the load started", () => {
    // Prepare: MySQL commit times are whole seconds; the load started 0.3 s into the second.
    const fullLoad = dmsChangeSequence('2024-03-27 01:43:03.300000', '');
    const update = dmsChangeSequence('2024-03-27 01:43:03.000000', seq('2024032701430300', '7'));

    // Act
    const order = compare(update, fullLoad);

    // Assess
    expect(order).toBe(1);
  });

  it('lets a full-load row win over every change of an earlier second', () => {
    // Act
    const order = compare(
      dmsChangeSequence('2024-03-27 01:43:03.000000', ''),
      dmsChangeSequence('2024-03-27 01:43:02.990000', seq('2024032701430299', '9999999999999999999')),
    );

    // Assess
    expect(order).toBe(1);
  });

  it('follows the change seq where the source clock stepped back (a later change, an earlier commit time)', () => {
    // Prepare: DMS kept its sequence increasing; the commit time went back two seconds.
    const first = dmsChangeSequence('2024-03-27 01:43:05.000000', seq('2024032701430500', '41'));
    const second = dmsChangeSequence('2024-03-27 01:43:03.000000', seq('2024032701430500', '42'));

    // Act
    const order = compare(second, first);

    // Assess
    expect(order).toBe(1);
  });

  it('orders changes of one second by the counter', () => {
    // Act
    const order = compare(
      dmsChangeSequence('2024-03-27 01:43:03.000000', seq('2024032701430300', '10')),
      dmsChangeSequence('2024-03-27 01:43:03.000000', seq('2024032701430300', '9')),
    );

    // Assess
    expect(order).toBe(1);
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
    ['an empty timestamp', '', ''],
    ['a timestamp with a leading space', ' 2024-03-27 01:43:03', ''],
    ['a timestamp with seven fractional digits', '2024-03-27 01:43:03.1234567', ''],
    ['a timestamp with a trailing letter', '2024-03-27 01:43:03x', ''],
    ['a timestamp with a letter in its fraction', '2024-03-27 01:43:03.12x', ''],
    ['a change seq starting with a letter', '2024-03-27 01:43:03.888000', 'a12'],
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

  it.each([
    ['2024-03-27 01:43', 'expected yyyy-MM-dd HH:mm:ss.SSSSSS'],
    ['2024-03-27 01:43:03x', 'expected yyyy-MM-dd HH:mm:ss.SSSSSS'],
    ['2024-02-30 00:00:00', 'not a calendar date and time'],
    ['1969-12-31 23:59:59', 'before 1970-01-01, which an unsigned sequence number cannot order'],
  ])('says why it refuses the timestamp %s', (timestamp, why) => {
    // Act
    const read = () => dmsTimestampMicros(timestamp);

    // Assess
    expect(read).toThrow(`Invalid _dms_timestamp "${timestamp}": ${why}`);
  });

  it('refuses a bad fraction in the second it read last', () => {
    // Prepare: the second is cached from the valid timestamp
    dmsTimestampMicros('2024-03-27 01:43:03.500000');

    // Act
    const read = () => dmsTimestampMicros('2024-03-27 01:43:03.5x');

    // Assess
    expect(read).toThrow('Invalid _dms_timestamp "2024-03-27 01:43:03.5x"');
  });

  it('reads a timestamp without a fraction as its whole second', () => {
    // Act
    const micros = [dmsTimestampMicros('2024-03-27 01:43:04'), dmsTimestampMicros('2024-03-27 01:43:04.25')];

    // Assess
    const second = BigInt(Date.UTC(2024, 2, 27, 1, 43, 4)) * 1000n;
    expect(micros).toEqual([second, second + 250000n]);
  });

  it('encodes a row without a change seq (null, undefined or empty) as a full-load row', () => {
    // Act
    const sequences = [null, undefined, ''].map((changeSeq) =>
      dmsChangeSequence('1970-01-01 00:00:01.000002', changeSeq),
    );

    // Assess
    const fullLoad = `${(19700101000001).toString(16).toUpperCase()}/0/F4242/0`;
    expect(sequences).toEqual([fullLoad, fullLoad, fullLoad]);
  });

  it('reads a change seq shorter than 35 digits as if padded with leading zeros', () => {
    // Act
    const sequence = dmsChangeSequence('2024-03-27 01:43:03.000000', '255');

    // Assess
    expect(sequence).toBe('0/1/0/FF');
  });

  it("is the order version '2' that deployed CDC tables carry (ADR 0040): another value rebuilds them all", () => {
    // Assess
    expect(CHANGE_ORDER_VERSION).toBe('2');
  });

  it('reads fractions shorter than six digits as microseconds', () => {
    // Act
    const micros = dmsTimestampMicros('1970-01-01 00:00:00.5');

    // Assess
    expect(micros).toBe(500000n);
  });
});

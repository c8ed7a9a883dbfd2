import { describe, expect, it } from 'vitest';
import { cdcKey, loadKey, parseDmsKey } from '../../lambdas/shared/dms/keys.js';

describe('DMS keys', () => {
  it('parses a date-partitioned CDC key with its file time', () => {
    // Act
    const key = parseDmsKey('casino_a/game/bets/2024/03/27/20240327-014303888.parquet');

    // Assess
    expect(key).toEqual({
      source: 'casino_a',
      schema: 'game',
      table: 'bets',
      kind: 'cdc',
      stem: '20240327-014303888',
      fileTime: new Date('2024-03-27T01:43:03.888Z'),
    });
  });

  it.each(['casino_a/game/bets/LOAD0000000A.parquet', 'casino_a/game/bets/SEGMENT2_LOAD00000001.parquet'])(
    'parses full-load key %s',
    (key) => {
      // Act
      const parsed = parseDmsKey(key);

      // Assess
      expect(parsed).toMatchObject({ source: 'casino_a', schema: 'game', table: 'bets', kind: 'load' });
    },
  );

  it.each([
    ['casino_a/bets.parquet', 'not a DMS Parquet key'],
    ['casino_a/game/bets/notes.csv', 'not a DMS Parquet key'],
    ['casino_a/game/bets/2024/03/27/part-0.parquet', 'neither a full-load file'],
  ])('rejects %s', (key, message) => {
    // Act
    const parse = () => parseDmsKey(key);

    // Assess
    expect(parse).toThrow(message);
  });

  it('counts full-load files in hexadecimal', () => {
    // Act
    const keys = [9, 10, 255].map((n) => loadKey('s', 'd', 't', n));

    // Assess
    expect(keys).toEqual([
      's/d/t/LOAD00000009.parquet',
      's/d/t/LOAD0000000A.parquet',
      's/d/t/LOAD000000FF.parquet',
    ]);
  });

  it('round-trips a CDC key through parse', () => {
    // Prepare
    const time = new Date('2026-01-02T03:04:05.006Z');

    // Act
    const parsed = parseDmsKey(cdcKey('s', 'd', 't', time));

    // Assess
    expect(parsed.fileTime).toEqual(time);
  });
});

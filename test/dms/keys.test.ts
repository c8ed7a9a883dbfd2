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
    ['casino_a/game/bets.parquet', 'not a DMS Parquet key'],
    ['casino_a/game/bets/notes.csv', 'not a DMS Parquet key'],
    ['casino_a/game/bets/2024/03/27/part-0.parquet', 'neither a full-load file'],
    ['casino_a/game/bets/2024/03/27/20240327-01430.parquet', 'neither a full-load file'],
    ['casino_a/game/bets/2024/03/27/20240327-0143038880000000.parquet', 'neither a full-load file'],
    ['casino_a/game/bets/2024/03/27/2024032-014303888.parquet', 'neither a full-load file'],
    ['casino_a/game/bets/2024/03/27/20240327T014303888.parquet', 'neither a full-load file'],
    ['casino_a/game/bets/2024/03/27/20240327-01430388a.parquet', 'neither a full-load file'],
    ['casino_a/game/bets/2024/02/30/20240230-014303888.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2024/13/01/20241301-014303888.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2024/03/27/20240327-246000000.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2024/03/27/20240327-015960000.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2024/03/27/20240327-016000000.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2023/02/29/20230229-014303888.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2024/04/31/20240431-014303888.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2024/00/10/20240010-014303888.parquet', 'a date or time that does not exist'],
    ['casino_a/game/bets/2024/03/00/20240300-014303888.parquet', 'a date or time that does not exist'],
    // Date.UTC reads years 0–99 as 1900–1999.
    ['casino_a/game/bets/0050/03/27/00500327-014303888.parquet', 'a date or time that does not exist'],
  ])('rejects %s', (key, message) => {
    // Act
    const parse = () => parseDmsKey(key);

    // Assess: the loader's DLQ reason and logs carry the error's name
    expect(parse).toThrow(
      expect.objectContaining({ name: 'DmsKeyError', message: expect.stringContaining(message) }),
    );
  });

  it.each([
    { stem: '20141029-113401', time: '2014-10-29T11:34:01.000Z' },
    { stem: '20141029-1134015', time: '2014-10-29T11:34:01.500Z' },
    { stem: '20141029-11340125', time: '2014-10-29T11:34:01.250Z' },
    { stem: '20141029-113401123', time: '2014-10-29T11:34:01.123Z' },
    // The example of AWS's "Using Amazon S3 as a target" page: four fractional digits.
    { stem: '20141029-1134010000', time: '2014-10-29T11:34:01.000Z' },
    { stem: '20141029-1134011239', time: '2014-10-29T11:34:01.123Z' },
    { stem: '20141029-113401123456789', time: '2014-10-29T11:34:01.123Z' },
  ])('reads the CDC time of $stem as $time', ({ stem, time }) => {
    // Act
    const parsed = parseDmsKey(`s/d/t/2014/10/29/${stem}.parquet`);

    // Assess
    expect(parsed).toMatchObject({ kind: 'cdc', stem, fileTime: new Date(time) });
  });

  it('orders CDC files of different fraction lengths by their time', () => {
    // Prepare
    const stems = ['20141029-1134019', '20141029-113401', '20141029-1134010001', '20141029-113401250'];

    // Act
    const ordered = [...stems].sort(
      (a, b) =>
        (parseDmsKey(`s/d/t/${a}.parquet`).fileTime?.getTime() ?? 0) -
        (parseDmsKey(`s/d/t/${b}.parquet`).fileTime?.getTime() ?? 0),
    );

    // Assess
    expect(ordered).toEqual([
      '20141029-113401',
      '20141029-1134010001',
      '20141029-113401250',
      '20141029-1134019',
    ]);
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

import { describe, expect, it } from 'vitest';
import { encodeS3EventKey } from '../../local/aws/index.js';
import { Sequencer } from '../../local/aws/s3-event.js';

/** What the loader does with a notification key (reference: spaces as `+`, then percent-decoding). */
const decode = (encoded: string) => decodeURIComponent(encoded.replaceAll('+', ' '));

describe.each([
  ['casino_a/casino/bets/LOAD00000001.parquet', 'casino_a/casino/bets/LOAD00000001.parquet'],
  ['src/my schema/t.parquet', 'src/my+schema/t.parquet'],
  ['src/dt=2024-03-27/t.parquet', 'src/dt%3D2024-03-27/t.parquet'],
  ['src/a+b/t.parquet', 'src/a%2Bb/t.parquet'],
  ["src/(it's)!~/t.parquet", 'src/%28it%27s%29%21%7E/t.parquet'],
  ['src/ünï/t.parquet', 'src/%C3%BCn%C3%AF/t.parquet'],
])('key %s', (key, expected) => {
  it('is encoded as S3 notifications encode keys', () => {
    // Act
    const encoded = encodeS3EventKey(key);

    // Assess
    expect(encoded).toBe(expected);
  });

  it('decodes back to the original key', () => {
    // Act
    const roundTrip = decode(encodeS3EventKey(key));

    // Assess
    expect(roundTrip).toBe(key);
  });
});

describe('Sequencer', () => {
  it('issues increasing values even within one millisecond', () => {
    // Prepare
    const sequencer = new Sequencer();

    // Act
    const values = [
      sequencer.next(1_700_000_000_000),
      sequencer.next(1_700_000_000_000),
      sequencer.next(1_699_999_999_999),
    ];

    // Assess
    expect([...values].sort()).toEqual(values);
    expect(new Set(values).size).toBe(3);
  });
});

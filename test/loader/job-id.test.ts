import { describe, expect, it } from 'vitest';
import { baseJobId, type JobIdentity, jobIdForGeneration } from '../../lambdas/shared/bigquery/job-id.js';

const identity = (overrides: Partial<JobIdentity> = {}): JobIdentity => ({
  source: 'casino_a',
  schema: 'game',
  table: 'bets',
  stem: '20240327-014303888',
  bucket: 'landing',
  key: 'casino_a/game/bets/2024/03/27/20240327-014303888.parquet',
  etag: '0123abcd',
  ...overrides,
});

describe('baseJobId', () => {
  it('is the same for every delivery of one file', () => {
    // Prepare
    const file = identity();

    // Act
    const ids = [baseJobId(file), baseJobId({ ...file })];

    // Assess
    expect(ids[0]).toBe(ids[1]);
  });

  it('names source, schema, table and file stem for operators', () => {
    // Prepare
    const file = identity();

    // Act
    const id = baseJobId(file);

    // Assess
    expect(id).toMatch(/^cdc_casino_a_game_bets_20240327-014303888_[0-9a-f]{24}$/);
  });

  describe.each([
    ['ETag', { etag: 'ffff' }],
    ['bucket', { bucket: 'other' }],
    ['key', { key: 'casino_a/game/bets/LOAD00000001.parquet' }],
  ])('when the %s differs', (_name, change) => {
    it('gives another ID', () => {
      // Prepare
      const [a, b] = [identity(), identity(change)];

      // Act
      const ids = [baseJobId(a), baseJobId(b)];

      // Assess
      expect(ids[0]).not.toBe(ids[1]);
    });
  });

  it('moves a forced replay to its own namespace', () => {
    // Prepare
    const file = identity();

    // Act
    const [live, replay] = [baseJobId(file), baseJobId(identity({ replayEpoch: 3 }))];

    // Assess
    expect(replay).toBe(`${live}_r3`);
  });

  it('keeps only letters, digits, underscores and dashes, within 1,024 characters', () => {
    // Prepare
    const file = identity({ schema: 'weird schema.ü', table: 'x'.repeat(2000) });

    // Act
    const id = jobIdForGeneration(baseJobId(file), 12);

    // Assess
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id.length).toBeLessThanOrEqual(1024);
  });
});

describe('jobIdForGeneration', () => {
  it('appends the generation', () => {
    // Prepare
    const base = baseJobId(identity());

    // Act
    const id = jobIdForGeneration(base, 2);

    // Assess
    expect(id).toBe(`${base}_g2`);
  });
});

import { describe, expect, it } from 'vitest';
import type { DmsTableStatistics } from '../../lambdas/shared/dms/table-statistics.js';
import { dmsTimestampText, parseDmsTimestamp } from '../../lambdas/shared/reconcile/changelog.js';
import { compareCounts } from '../../lambdas/shared/reconcile/compare.js';
import { mapLimited } from '../../lambdas/shared/reconcile/reconcile.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const SETTLE_MS = 15 * 60_000;

const statistics = (overrides: Partial<DmsTableStatistics> = {}): DmsTableStatistics => ({
  schema: 'game',
  table: 'bets',
  state: 'Table completed',
  fullLoadRows: 100,
  inserts: 20,
  updates: 30,
  deletes: 5,
  fullLoadStartTime: new Date('2026-03-01T00:00:00Z'),
  lastUpdateTime: new Date('2026-03-01T11:00:00Z'),
  reloaded: false,
  ...overrides,
});

describe('compareCounts at its edges', () => {
  it('calls a shortfall missing when DMS last counted exactly the settle window ago', () => {
    // Prepare
    const atEdge = statistics({ lastUpdateTime: new Date(NOW.getTime() - SETTLE_MS) });

    // Act
    const result = compareCounts(
      atEdge,
      { exists: true, I: 119, U: 30, D: 5 },
      { now: NOW, settleMs: SETTLE_MS },
    );

    // Assess
    expect(result.verdict).toBe('missing');
  });

  it('reports the window it compared: from the table’s FullLoadStartTime', () => {
    // Act
    const result = compareCounts(
      statistics(),
      { exists: true, I: 120, U: 30, D: 5 },
      { now: NOW, settleMs: SETTLE_MS },
    );

    // Assess
    expect(result.since).toEqual(new Date('2026-03-01T00:00:00Z'));
  });
});

describe('_dms_timestamp text at its edges', () => {
  it('writes milliseconds below 100 with their leading zeros, so text order stays time order', () => {
    // Act
    const text = dmsTimestampText(new Date('2026-03-01T00:00:07.007Z'));

    // Assess
    expect(text).toBe('2026-03-01 00:00:07.007000');
    expect(text < dmsTimestampText(new Date('2026-03-01T00:00:07.100Z'))).toBe(true);
  });

  it('reads a stamp without fractional seconds', () => {
    // Act
    const time = parseDmsTimestamp('2026-03-01 23:59:59');

    // Assess
    expect(time?.toISOString()).toBe('2026-03-01T23:59:59.000Z');
  });

  it('reads nothing from text that only contains a stamp further on', () => {
    // Act
    const time = parseDmsTimestamp('not 2026-03-01 23:59:59.000000');

    // Assess
    expect(time).toBeUndefined();
  });
});

describe('mapLimited', () => {
  it('keeps at most `limit` calls in flight, and the results in input order', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    const work = async (item: number) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5 * (4 - item)));
      inFlight -= 1;
      return item * 10;
    };

    // Act
    const results = await mapLimited([1, 2, 3], 1, work);

    // Assess
    expect(results).toEqual([10, 20, 30]);
    expect(most).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { DmsTableStatistics } from '../../lambdas/shared/dms/table-statistics.js';
import {
  type ChangelogCounts,
  dmsTimestampText,
  parseDmsTimestamp,
} from '../../lambdas/shared/reconcile/changelog.js';
import { compareCounts } from '../../lambdas/shared/reconcile/compare.js';

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

const changelog = (counts: Partial<ChangelogCounts> = {}): ChangelogCounts => ({
  exists: true,
  I: 120,
  U: 30,
  D: 5,
  ...counts,
});

describe('compareCounts', () => {
  it('matches when Op I equals full-load rows plus inserts, and U and D equal updates and deletes', () => {
    // Act
    const result = compareCounts(statistics(), changelog(), { now: NOW, settleMs: SETTLE_MS });

    // Assess
    expect(result).toMatchObject({ verdict: 'match', missingRows: 0, surplusRows: 0 });
    expect(result.expected).toEqual({ I: 120, U: 30, D: 5 });
  });

  it('reports the missing rows per Op once DMS has counted nothing new for the settle window', () => {
    // Act
    const result = compareCounts(statistics(), changelog({ I: 110, D: 3 }), {
      now: NOW,
      settleMs: SETTLE_MS,
    });

    // Assess
    expect(result).toMatchObject({ verdict: 'missing', missing: { I: 10, U: 0, D: 2 }, missingRows: 12 });
  });

  it('calls a shortfall in flight while DMS updated its statistics within the settle window', () => {
    // Prepare
    const recent = statistics({ lastUpdateTime: new Date(NOW.getTime() - 60_000) });

    // Act
    const result = compareCounts(recent, changelog({ U: 25 }), { now: NOW, settleMs: SETTLE_MS });

    // Assess
    expect(result).toMatchObject({ verdict: 'in-flight', missingRows: 5 });
  });

  it('reports more changelog rows than DMS counted as surplus, not as missing', () => {
    // Act
    const result = compareCounts(statistics(), changelog({ U: 40 }), { now: NOW, settleMs: SETTLE_MS });

    // Assess
    expect(result).toMatchObject({ verdict: 'surplus', missingRows: 0, surplusRows: 10 });
  });

  it('does not call a shortfall of a reloaded table missing: its counters’ scope is undocumented', () => {
    // Act
    const result = compareCounts(statistics({ reloaded: true }), changelog({ I: 100 }), {
      now: NOW,
      settleMs: SETTLE_MS,
    });

    // Assess
    expect(result).toMatchObject({ verdict: 'reloaded', missingRows: 20 });
  });

  it('reports a table without DMS statistics as not replicated', () => {
    // Act
    const result = compareCounts(undefined, changelog(), { now: NOW, settleMs: SETTLE_MS });

    // Assess
    expect(result).toMatchObject({ verdict: 'not-replicated', missingRows: 0 });
  });
});

describe('_dms_timestamp text', () => {
  it('writes a window bound in the fixed-width form DMS writes, so text order is time order', () => {
    // Act
    const text = dmsTimestampText(new Date('2026-03-01T00:00:07.250Z'));

    // Assess
    expect(text).toBe('2026-03-01 00:00:07.250000');
  });

  it('reads DMS’s form back to the millisecond', () => {
    // Act
    const time = parseDmsTimestamp('2026-03-01 23:59:59.123456');

    // Assess
    expect(time?.toISOString()).toBe('2026-03-01T23:59:59.123Z');
  });
});

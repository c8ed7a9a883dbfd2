import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DmsTableStatistics } from '../../lambdas/shared/dms/table-statistics.js';
import { reconcileTables } from '../../lambdas/shared/reconcile/reconcile.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { type ChangelogHistory, startChangelogHistory } from './changelog-history.js';

/**
 * The two guards of a reconciliation run: the changelog is counted only from the table's latest full
 * load (rows of an earlier task or load are not DMS's current counters' business), and the source's
 * row count is compared only once DMS's counters have settled (while files are in flight the
 * `_current` count lags by design).
 */
describe('reconciliation guards', { timeout: 60_000 }, () => {
  let history: ChangelogHistory;
  const recreatedAt = new Date('2024-03-27T00:00:00Z');
  const now = new Date('2024-03-27T06:00:00Z');

  beforeAll(async () => {
    history = await startChangelogHistory(new Date('2024-03-26T10:00:00Z'));
    // A task that was deleted and recreated: 7 rows of the old one (I I U I I U I), then 5 of the new (I I U I I).
    await history.land(7, new Date('2024-03-26T10:00:00Z'));
    history.at(new Date('2024-03-27T01:00:00Z'));
    await history.land(5, new Date('2024-03-27T01:00:00Z'));
    history.at(now);
  });

  afterAll(async () => {
    await history.stop();
  });

  const statistics = (changes: Partial<DmsTableStatistics>): DmsTableStatistics => ({
    schema: history.route.schema,
    table: history.route.table,
    state: 'Table completed',
    fullLoadRows: 0,
    inserts: 4,
    updates: 1,
    deletes: 0,
    fullLoadStartTime: recreatedAt,
    lastUpdateTime: new Date(now.getTime() - 60 * 60_000),
    reloaded: false,
    ...changes,
  });

  const reconcile = (table: DmsTableStatistics, sourceRows?: (route: Route) => Promise<number>) =>
    reconcileTables({
      routes: [history.route],
      statistics: async () => ({
        identifier: 'dms2bq-dev-casino-a',
        arn: 'arn',
        status: 'running',
        tables: [table],
      }),
      bigquery: history.bigquery,
      projectId: history.projectId,
      now,
      settleMs: 15 * 60_000,
      ...(sourceRows ? { sourceRows } : {}),
    });

  it('counts the changelog from the table’s latest full-load start, not the rows of the task before', async () => {
    // Act
    const [result] = await reconcile(statistics({}));

    // Assess
    expect(result).toMatchObject({ verdict: 'match', actual: { I: 4, U: 1, D: 0 }, surplusRows: 0 });
  });

  it('does not compare the source’s row count while DMS’s counters have not settled', async () => {
    // Prepare: DMS counted 3 inserts more than landed, one minute ago: files are still in flight.
    const asked: string[] = [];
    const sourceRows = async (route: Route) => {
      asked.push(route.table);
      return 7;
    };
    const inFlight = statistics({ inserts: 7, lastUpdateTime: new Date(now.getTime() - 60_000) });

    // Act
    const [result] = await reconcile(inFlight, sourceRows);

    // Assess
    expect(result?.verdict).toBe('in-flight');
    expect(result?.rows).toBeUndefined();
    expect(asked).toEqual([]);
    expect(result?.drifting).toBe(false);
  });

  it('compares the source’s row count once the counters have settled', async () => {
    // Prepare
    const sourceRows = async () => 9;

    // Act
    const [result] = await reconcile(statistics({}), sourceRows);

    // Assess: the source's count is read and compared (this history has no `_current` view: 0 rows).
    expect(result?.rows).toEqual({ sourceRows: 9, currentRows: 0, difference: -9 });
    expect(result?.drifting).toBe(true);
  });
});

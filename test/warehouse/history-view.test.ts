import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../lambdas/shared/routing.js';
import { historyViewQuery } from '../../lambdas/shared/warehouse/history-query.js';
import { seededRandom } from '../../local/shared/seeded-random.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute, viewRows } from '../support/changelog.js';

/** One version as the test reads it: key, a value, and the range, timestamps as ISO text. */
interface Version {
  id: number;
  name: string | null;
  from: string;
  to: string | null;
  deleted: boolean;
}

/** ISO text with exactly six fraction digits: the client gives `.000Z` or `.000001000Z`. */
const micros = (text: string): string =>
  text.replace(
    /(?:\.(\d+))?Z$/,
    (_, fraction: string | undefined) => `.${(fraction ?? '').padEnd(6, '0').slice(0, 6)}Z`,
  );
const iso = (value: unknown): string | null =>
  value === null || value === undefined ? null : micros(String((value as { value: string }).value));
/** `2026-11-01 00:00:00.000001` (DMS) → the same ISO text. */
const dmsIso = (at: string): string => micros(`${at.replace(' ', 'T')}Z`);
const sorted = (versions: Version[]): string[] => versions.map((v) => JSON.stringify(v)).sort();

async function historyRows(
  bigquery: BigQuery,
  route: Route,
  where = 'TRUE',
): Promise<Record<string, unknown>[]> {
  const projectId = await bigquery.getProjectId();
  const [rows] = await bigquery.query({
    query: `SELECT * FROM (${historyViewQuery(projectId, route)}) WHERE ${where} ORDER BY id, _valid_from, _valid_to`,
    wrapIntegers: { integerTypeCastFunction: (value: string) => BigInt(value) },
  });
  return rows;
}

async function versions(bigquery: BigQuery, route: Route): Promise<Version[]> {
  return (await historyRows(bigquery, route)).map((row) => ({
    id: Number(row.id),
    name: (row.name as string | null) ?? null,
    from: iso(row._valid_from) as string,
    to: iso(row._valid_to),
    deleted: row._is_deleted as boolean,
  }));
}

/**
 * The oracle, written independently of the SQL: per key, the changes in (timestamp, sequence)
 * order with copies of one change counted once; each insert or update is a version that lasts until
 * the key's next change of any kind.
 */
function expectedVersions(changes: readonly Change[]): Version[] {
  const byKey = new Map<number, Change[]>();
  for (const change of changes) byKey.set(change.id, [...(byKey.get(change.id) ?? []), change]);
  const result: Version[] = [];
  for (const [id, list] of byKey) {
    // ADR 0040: the change's second (its change seq's, or a full-load row's timestamp's), then the
    // change seq (a full-load row's empty one lowest), then the timestamp.
    const second = (c: Change) => (c.seq ? c.seq.slice(0, 14) : c.at.slice(0, 19).replace(/[- :]/g, ''));
    const order = (c: Change) => [second(c), c.seq ?? '', c.at].join(' ');
    const unique = [...new Map(list.map((c) => [order(c), c])).values()].sort((a, b) =>
      order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0,
    );
    const mine: Version[] = [];
    unique.forEach((change, index) => {
      if (change.op === 'D') return;
      const next = unique[index + 1];
      mine.push({
        id,
        name: change.name ?? null,
        from: dmsIso(change.at),
        to: next ? dmsIso(next.at) : null,
        deleted: false,
      });
    });
    const last = mine.at(-1);
    if (last && last.to !== null) last.deleted = true;
    result.push(...mine);
  }
  return result;
}

describe('<table>_history: every version of every key over the changelog', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  async function changelog(...files: Change[][]): Promise<Route> {
    const route = { ...ordersRoute(await freshDataset(fixture)), current: 'view' as const };
    for (const file of files) await loadChanges(fixture, route, file);
    return route;
  }

  it('keeps one open version of a live key, none of a deleted one, and both periods of a re-inserted one', async () => {
    // Prepare
    const fullLoad = '2026-11-01 00:00:00.000000';
    const route = await changelog(
      [
        { op: 'I', at: fullLoad, id: 1, name: 'live-1' },
        { op: 'I', at: fullLoad, id: 2, name: 'gone-1' },
        { op: 'I', at: fullLoad, id: 3, name: 'back-1' },
      ],
      [
        {
          op: 'U',
          at: '2026-11-02 10:00:00.000000',
          seq: '20261102100000000000000000000000001',
          id: 1,
          name: 'live-2',
        },
        { op: 'D', at: '2026-11-03 10:00:00.000000', seq: '20261103100000000000000000000000001', id: 2 },
        { op: 'D', at: '2026-11-04 10:00:00.000000', seq: '20261104100000000000000000000000001', id: 3 },
        {
          op: 'I',
          at: '2026-11-05 10:00:00.000000',
          seq: '20261105100000000000000000000000001',
          id: 3,
          name: 'back-2',
        },
      ],
    );

    // Act
    const rows = await versions(fixture.bigquery, route);

    // Assess
    expect(rows).toEqual([
      {
        id: 1,
        name: 'live-1',
        from: '2026-11-01T00:00:00.000000Z',
        to: '2026-11-02T10:00:00.000000Z',
        deleted: false,
      },
      { id: 1, name: 'live-2', from: '2026-11-02T10:00:00.000000Z', to: null, deleted: false },
      {
        id: 2,
        name: 'gone-1',
        from: '2026-11-01T00:00:00.000000Z',
        to: '2026-11-03T10:00:00.000000Z',
        deleted: true,
      },
      {
        id: 3,
        name: 'back-1',
        from: '2026-11-01T00:00:00.000000Z',
        to: '2026-11-04T10:00:00.000000Z',
        deleted: false,
      },
      { id: 3, name: 'back-2', from: '2026-11-05T10:00:00.000000Z', to: null, deleted: false },
    ]);
  });

  it('shows _current’s columns, values and _source_changed_at on the open versions, plus the range', async () => {
    // Prepare
    const route = await changelog([
      {
        op: 'I',
        at: '2026-11-01 00:00:00.000000',
        id: 1,
        name: 'a',
        balance: '1.50',
        big: '9007199254740993',
      },
      {
        op: 'U',
        at: '2026-11-02 00:00:00.000001',
        seq: '20261102000000000010000000000000001',
        id: 1,
        name: 'b',
        balance: '2.25',
        avatar: 'cafe',
      },
    ]);

    // Act
    const open = await historyRows(fixture.bigquery, route, '_valid_to IS NULL');

    // Assess
    const current = await viewRows(fixture.bigquery, route);
    expect(open.map(({ _valid_from, _valid_to, _is_deleted, ...rest }) => rest)).toEqual(current);
    expect(Object.keys(open[0] ?? {})).toEqual([
      ...Object.keys(current[0] as object),
      '_valid_from',
      '_valid_to',
      '_is_deleted',
    ]);
    expect(iso(open[0]?._valid_from)).toBe(iso((current[0] as Record<string, unknown>)._source_changed_at));
  });

  it.each([1, 2, 3])(
    'agrees with an independent model and with _current for random change sequences (seed %i)',
    async (seed) => {
      // Prepare
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const changes: Change[] = [];
      let sequence = 0;
      for (let id = 1; id <= 40; id++) {
        // A few seconds only, so changes of one key often share a timestamp and only the sequence orders them.
        if (random() < 0.6)
          changes.push({ op: 'I', at: '2026-11-01 00:00:00.000000', id, name: `full-${id}` });
        const count = Math.floor(random() * 6);
        for (let n = 0; n < count; n++) {
          sequence += 1 + Math.floor(random() * 3);
          // Commit times grow with the sequence, as DMS keeps its time part (ADR 0040).
          const second = Math.min(3, Math.floor(sequence / 80));
          const at = `2026-11-01 00:00:0${second}.000000`;
          const op = pick(['I', 'U', 'U', 'D'] as const);
          const seq = `2026110100000${second}00${String(sequence).padStart(19, '0')}`;
          changes.push({ op, at, seq, id, name: `${op}-${id}-${n}` });
        }
      }
      // A forced replay: some changes loaded a second time, exact copies.
      const replayed = changes.filter(() => random() < 0.2);
      const shuffled = [...changes, ...replayed].sort(() => random() - 0.5);
      const half = Math.floor(shuffled.length / 2);
      const route = await changelog(shuffled.slice(0, half), shuffled.slice(half));

      // Act
      const found = await versions(fixture.bigquery, route);
      const open = await historyRows(fixture.bigquery, route, '_valid_to IS NULL');

      // Assess
      expect(sorted(found)).toEqual(sorted(expectedVersions(changes)));
      const current = await viewRows(fixture.bigquery, route);
      expect(open.map(({ _valid_from, _valid_to, _is_deleted, ...rest }) => rest)).toEqual(current);
      expect(new Set(open.map((row) => row.id)).size).toBe(open.length);
      // Contiguous: a closed version ends where the key's next version starts, or earlier at a delete.
      const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
      const byRange = [...found].sort(
        (a, b) => a.id - b.id || text(a.from, b.from) || text(a.to ?? '~', b.to ?? '~'),
      );
      byRange.slice(1).forEach((next, index) => {
        const previous = byRange[index] as Version;
        if (previous.id !== next.id) return;
        expect(previous.to !== null && previous.to <= next.from, JSON.stringify([previous, next])).toBe(true);
      });
    },
  );
});

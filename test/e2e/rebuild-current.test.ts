import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdcStreamer, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { dmsChangeSequence, dmsTimestampMicros } from '../../lambdas/shared/bigquery/change-sequence.js';
import { currentTableMetadata } from '../../lambdas/shared/warehouse/current-table-schema.js';
import { RebuildCurrentError, rebuildCurrentTable } from '../../lambdas/shared/warehouse/rebuild-current.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute, tableRows, viewRows } from '../support/changelog.js';

/** Full load, then updates (two in the same microsecond), a delete, a key that only ever was full-loaded. */
const history: Change[] = [
  { op: 'I', at: '2026-11-01 00:00:00.000000', id: 1, name: 'ann', balance: '10.50', score: 0.1 },
  {
    op: 'I',
    at: '2026-11-01 00:00:00.000000',
    id: 2,
    name: 'bob',
    balance: '-3.25',
    active: false,
    born: '1969-12-31',
  },
  {
    op: 'I',
    at: '2026-11-01 00:00:00.000000',
    id: 3,
    name: 'cy',
    balance: '0.00',
    seenAt: '1970-01-01 00:00:00.000001',
  },
  {
    op: 'I',
    at: '2026-11-01 00:00:00.000000',
    id: 4,
    name: 'di',
    big: '9007199254740993',
    active: true,
    born: '0001-01-01',
    avatar: '00ff',
  },
  {
    op: 'U',
    at: '2026-11-20 10:00:00.000001',
    seq: '20261120100000000010000000000000001',
    id: 1,
    name: 'ann-2',
  },
  {
    op: 'U',
    at: '2026-11-20 10:00:00.000001',
    seq: '20261120100000000010000000000000002',
    id: 1,
    name: 'ann-3',
    balance: '12345678901234567890.123456789',
    big: '-9007199254740993',
    score: 1e-7,
    active: false,
    born: '9999-12-31',
    seenAt: '2026-11-20 10:00:00.000001',
    avatar: 'cafe',
  },
  { op: 'D', at: '2026-11-25 08:00:00.000000', seq: '20261125080000000000000000000000009', id: 2 },
];

describe('rebuildCurrentTable: a _current CDC table recreated from its changelog', () => {
  let fixture: EmulatorFixture;
  let streamer: CdcStreamer;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    streamer = createCdcStreamer(fixture.emulator.storageWrite?.clientOptions ?? {});
  });
  afterAll(async () => {
    await streamer.close();
    await fixture.stop();
  });

  async function changelog(changes: Change[] = history) {
    const route = ordersRoute(await freshDataset(fixture));
    await loadChanges(fixture, route, changes);
    return route;
  }
  const rebuild = (
    route: ReturnType<typeof ordersRoute>,
    extra: { tombstonesSince?: Date | null; pageRows?: number } = {},
  ) => rebuildCurrentTable({ bigquery: fixture.bigquery, route, streamer, tombstonesSince: null, ...extra });
  const target = (route: ReturnType<typeof ordersRoute>, fields: unknown[]) => ({
    projectId: fixture.emulator.projectId,
    dataset: route.dataset,
    table: `${route.targetTable}_current`,
    fields: fields as never,
  });

  it('ends with exactly the rows the _current view query shows, every column type included', async () => {
    // Prepare
    const route = await changelog();

    // Act
    const result = await rebuild(route);

    // Assess
    expect(result).toMatchObject({ table: `${route.dataset}.orders_current`, upserts: 3, deletes: 0 });
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
    expect((await viewRows(fixture.bigquery, route)).length).toBe(3);
  });

  it('replaces a current table that lost rows and kept stale ones', async () => {
    // Prepare
    const route = await changelog();
    const [changelogMetadata] = await fixture.bigquery.dataset(route.dataset).table('orders').getMetadata();
    const metadata = currentTableMetadata(route, changelogMetadata.schema.fields);
    await fixture.bigquery.dataset(route.dataset).createTable('orders_current', metadata);
    await streamer.append(target(route, metadata.schema?.fields ?? []), [
      [{ values: { id: 99, name: 'stale' }, changeType: 'UPSERT', sequence: 'FFFFFFFFFFFFFFFF' }],
    ]);

    // Act
    await rebuild(route);

    // Assess
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('gives each row the sequence number the loader gives its change, so older ones stay ignored', async () => {
    // Prepare
    const route = await changelog();
    await rebuild(route);
    const [metadata] = await fixture.bigquery.dataset(route.dataset).table('orders_current').getMetadata();
    const before = await tableRows(fixture.bigquery, route);
    const olderThanLatest = dmsChangeSequence(
      '2026-11-20 10:00:00.000001',
      '20261120100000000010000000000000001',
    );

    // Act
    await streamer.append(target(route, metadata.schema.fields), [
      [{ values: { id: 1, name: 'older' }, changeType: 'UPSERT', sequence: olderThanLatest }],
    ]);

    // Assess
    expect(await tableRows(fixture.bigquery, route)).toEqual(before);
  });

  it('applies a change newer than the snapshot that the loader streams after the rebuild', async () => {
    // Prepare
    const route = await changelog();
    await rebuild(route);
    const [metadata] = await fixture.bigquery.dataset(route.dataset).table('orders_current').getMetadata();
    const newer: Change = {
      op: 'U',
      at: '2026-11-28 00:00:00.000000',
      seq: '20261128000000000000000000000000001',
      id: 3,
      name: 'cy-2',
      balance: '1.00',
    };
    await loadChanges(fixture, route, [newer]);

    // Act
    await streamer.append(target(route, metadata.schema.fields), [
      [
        {
          values: {
            id: 3,
            name: 'cy-2',
            balance: '1.00',
            _source_changed_at: dmsTimestampMicros(newer.at),
            _dms_change_seq: newer.seq,
          },
          changeType: 'UPSERT',
          sequence: dmsChangeSequence(newer.at, newer.seq),
        },
      ],
    ]);

    // Assess
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('keeps a recently deleted key out when an older change of it arrives late', async () => {
    // Prepare
    const route = await changelog();
    const result = await rebuild(route, { tombstonesSince: new Date('2026-11-24T00:00:00Z') });
    const [metadata] = await fixture.bigquery.dataset(route.dataset).table('orders_current').getMetadata();

    // Act
    await streamer.append(target(route, metadata.schema.fields), [
      [
        {
          values: { id: 2, name: 'bob' },
          changeType: 'UPSERT',
          sequence: dmsChangeSequence('2026-11-01 00:00:00.000000', ''),
        },
      ],
    ]);

    // Assess
    expect(result).toMatchObject({ upserts: 3, deletes: 1 });
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('converges when the loader loads and streams newer changes between the rebuild’s pages', async () => {
    // Prepare
    const keys = Array.from({ length: 10 }, (_, index) => index + 1);
    const route = await changelog(
      keys.map((id) => ({ op: 'I', at: '2026-11-01 00:00:00.000000', id, name: `n${id}` })),
    );
    const loader = createCdcStreamer(fixture.emulator.storageWrite?.clientOptions ?? {});
    const update: Change = {
      op: 'U',
      at: '2026-11-29 00:00:00.000000',
      seq: '20261129000000000000000000000000001',
      id: 9,
      name: 'n9-new',
    };
    const deletion: Change = {
      op: 'D',
      at: '2026-11-29 00:00:00.000000',
      seq: '20261129000000000000000000000000002',
      id: 10,
    };
    let raced = false;
    const loaderDelivers = async () => {
      if (raced) return;
      raced = true;
      // The loader's order: the file's changelog load, then its rows to the (new) table.
      await loadChanges(fixture, route, [update, deletion]);
      const [metadata] = await fixture.bigquery.dataset(route.dataset).table('orders_current').getMetadata();
      await loader.append(target(route, metadata.schema.fields), [
        [
          {
            values: {
              id: 9,
              name: 'n9-new',
              _source_changed_at: dmsTimestampMicros(update.at),
              _dms_change_seq: update.seq,
            },
            changeType: 'UPSERT',
            sequence: dmsChangeSequence(update.at, update.seq),
          },
          {
            values: { id: 10 },
            changeType: 'DELETE',
            sequence: dmsChangeSequence(deletion.at, deletion.seq),
          },
        ],
      ]);
    };

    // Act
    const result = await rebuildCurrentTable({
      bigquery: fixture.bigquery,
      route,
      streamer,
      tombstonesSince: null,
      pageRows: 3,
      onPage: loaderDelivers,
    });
    await loader.close();

    // Assess
    expect(result.upserts).toBe(10);
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
    expect((await viewRows(fixture.bigquery, route)).length).toBe(9);
  });

  it('reads the changelog page by page', async () => {
    // Prepare
    const keys = Array.from({ length: 23 }, (_, index) => index + 1);
    const route = await changelog(
      keys.map((id) => ({ op: 'I', at: '2026-11-01 00:00:00.000000', id, name: `n${id}` })),
    );
    const pages: number[] = [];

    // Act
    const result = await rebuildCurrentTable({
      bigquery: fixture.bigquery,
      route,
      streamer,
      tombstonesSince: null,
      pageRows: 5,
      onPage: (rows) => {
        pages.push(rows);
      },
    });

    // Assess
    expect(result.upserts).toBe(23);
    expect(pages).toEqual([5, 10, 15, 20, 23]);
    expect(await tableRows(fixture.bigquery, route)).toEqual(await viewRows(fixture.bigquery, route));
  });

  it('refuses a table whose mapping keeps _current a view, and changes nothing', async () => {
    // Prepare
    const route = { ...(await changelog()), current: 'view' as const };

    // Act
    const attempt = rebuild(route);

    // Assess
    await expect(attempt).rejects.toThrow(RebuildCurrentError);
    await expect(attempt).rejects.toThrow(/is a view .* set "current": "table"/);
    const [exists] = await fixture.bigquery.dataset(route.dataset).table('orders_current').exists();
    expect(exists).toBe(false);
  });

  it('refuses a table whose changelog does not exist yet', async () => {
    // Prepare
    const route = ordersRoute(await freshDataset(fixture));

    // Act
    const attempt = rebuild(route);

    // Assess
    await expect(attempt).rejects.toThrow(
      /changelog .*\.orders does not exist, so there is nothing to rebuild from/,
    );
  });
});

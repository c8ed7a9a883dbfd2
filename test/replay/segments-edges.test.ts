import { describe, expect, it } from 'vitest';
import { parseReplayRequest } from '../../lambdas/replay/request.js';
import { listingSegments, type Segment, segmentFile } from '../../lambdas/replay/segments.js';
import { cdcKey, loadKey } from '../../lambdas/shared/dms/keys.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

// Which keys a replay lists (the segments' key ranges) and which of the listed keys it enqueues.

const ROUTING = buildRoutingTable([
  sourceMappingFactory({
    source: 'shop',
    tables: [
      tableMappingFactory({ schema: 'sales', table: 'orders' }),
      tableMappingFactory({ schema: 'sales', table: 'items' }),
    ],
  }),
]);
const FROM = new Date('2026-03-02T06:00:00.000Z');
const TO = new Date('2026-03-03T18:30:00.000Z');
const ms = (time: Date, offset: number) => new Date(time.getTime() + offset);
const orders = (time: Date) => cdcKey('shop', 'sales', 'orders', time);

describe('listingSegments', () => {
  it('bounds a table with from and to by the keys of files written at them', () => {
    // Prepare
    const plan = parseReplayRequest(
      { source: 'shop', table: 'sales.orders', from: FROM.toISOString(), to: TO.toISOString() },
      ROUTING,
    );

    // Act
    const segments = listingSegments(plan);

    // Assess
    expect(segments).toStrictEqual([
      {
        route: 'shop/sales/orders',
        kind: 'cdc',
        prefix: 'shop/sales/orders/',
        startAfter: 'shop/sales/orders/2026/03/02/20260302-060000000',
        from: FROM,
        endBefore: 'shop/sales/orders/2026/03/03/20260303-183000000',
        to: TO,
      },
    ]);
  });

  it('lists all CDC files, then the full load, of each table when there is no window', () => {
    // Prepare
    const plan = parseReplayRequest({ source: 'shop', includeFullLoad: true }, ROUTING);

    // Act
    const segments = listingSegments(plan);

    // Assess
    expect(segments).toStrictEqual([
      {
        route: 'shop/sales/items',
        kind: 'cdc',
        prefix: 'shop/sales/items/',
        endBefore: 'shop/sales/items/:',
      },
      {
        route: 'shop/sales/items',
        kind: 'load',
        prefix: 'shop/sales/items/',
        startAfter: 'shop/sales/items/:',
      },
      {
        route: 'shop/sales/orders',
        kind: 'cdc',
        prefix: 'shop/sales/orders/',
        endBefore: 'shop/sales/orders/:',
      },
      {
        route: 'shop/sales/orders',
        kind: 'load',
        prefix: 'shop/sales/orders/',
        startAfter: 'shop/sales/orders/:',
      },
    ]);
  });
});

describe('segmentFile', () => {
  const plan = parseReplayRequest(
    {
      source: 'shop',
      table: 'sales.orders',
      from: FROM.toISOString(),
      to: TO.toISOString(),
      includeFullLoad: true,
    },
    ROUTING,
  );
  const [cdc, load] = listingSegments(plan) as [Segment, Segment];

  it.each([
    { label: 'written at from', time: FROM },
    { label: 'written 1 ms before to', time: ms(TO, -1) },
  ])('takes the CDC file $label', ({ time }) => {
    // Prepare
    const key = orders(time);

    // Act
    const file = segmentFile(cdc, key);

    // Assess
    expect(file).toStrictEqual({
      source: 'shop',
      schema: 'sales',
      table: 'orders',
      kind: 'cdc',
      stem: key.slice(key.lastIndexOf('/') + 1, -'.parquet'.length),
      fileTime: time,
    });
  });

  it.each([
    { label: 'written 1 ms before from', key: orders(ms(FROM, -1)) },
    { label: 'written at to', key: orders(TO) },
    { label: 'written a day after to', key: orders(ms(TO, 86_400_000)) },
    // Within the listed key range, yet written after `to` by its name: only the file time tells.
    {
      label: 'filed under a date folder before its time',
      key: 'shop/sales/orders/2026/03/02/20260304-000000000.parquet',
    },
    { label: 'of another table', key: cdcKey('shop', 'sales', 'items', FROM) },
    { label: 'of another source', key: cdcKey('other', 'sales', 'orders', FROM) },
    { label: 'that is a full-load file', key: loadKey('shop', 'sales', 'orders', 1) },
    { label: 'that is no DMS file', key: 'shop/sales/orders/2026/03/02/manifest.json' },
  ])('leaves out of a CDC window a key $label', ({ key }) => {
    // Act
    const file = segmentFile(cdc, key);

    // Assess
    expect(file).toBeUndefined();
  });

  it('takes a full-load file of the table into the full-load segment', () => {
    // Act
    const file = segmentFile(load, loadKey('shop', 'sales', 'orders', 10));

    // Assess
    expect(file).toStrictEqual({
      source: 'shop',
      schema: 'sales',
      table: 'orders',
      kind: 'load',
      stem: 'LOAD0000000A',
    });
  });

  it.each([
    { label: 'a CDC file of the table', key: orders(FROM) },
    { label: 'a full-load file of another table', key: loadKey('shop', 'sales', 'items', 1) },
  ])('leaves $label out of the full-load segment', ({ key }) => {
    // Act
    const file = segmentFile(load, key);

    // Assess
    expect(file).toBeUndefined();
  });
});

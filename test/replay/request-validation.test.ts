import { describe, expect, it } from 'vitest';
import { parseIsoUtc, parseReplayRequest, ReplayInputError } from '../../lambdas/replay/request.js';
import { buildRoutingTable, type RoutingTable } from '../../lambdas/shared/routing.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

// The request as the operator writes it (`aws lambda invoke` payload or `dms2bq replay`), checked
// before anything is listed. Every rejection names the field and says what to send instead.

/**
 * Source `shop` with its tables in the mapping file's order — not the order of their route keys —
 * and a second source `other`, mapped after it.
 */
const ROUTING: RoutingTable = buildRoutingTable([
  sourceMappingFactory({
    source: 'shop',
    tables: [
      tableMappingFactory({ schema: 'sales', table: 'orders' }),
      tableMappingFactory({ schema: 'crm', table: 'users' }),
      tableMappingFactory({ schema: 'sales', table: 'items' }),
    ],
  }),
  sourceMappingFactory({ source: 'other', bigquery: { dataset: 'other_cdc' } }),
]);
const route = (key: string) => ROUTING[key];
const SHOP_ROUTES = [route('shop/crm/users'), route('shop/sales/items'), route('shop/sales/orders')];

/** The field and message a rejected request answers with; fails if the request is accepted. */
function rejectionOf(input: unknown, routing: RoutingTable = ROUTING) {
  try {
    parseReplayRequest(input, routing);
  } catch (error) {
    if (error instanceof ReplayInputError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('parseReplayRequest rejects', () => {
  it.each([
    { label: 'null', input: null },
    { label: 'an array', input: [{ source: 'shop' }] },
    { label: 'a string', input: 'shop' },
    { label: 'a number', input: 42 },
    { label: 'nothing', input: undefined },
  ])('input that is $label, not a JSON object', ({ input }) => {
    // Act
    const rejection = rejectionOf(input);

    // Assess
    expect(rejection).toEqual({
      field: '(input)',
      message: '(input): expected a JSON object like {"source":"casino_a"}',
    });
  });

  it('an unknown field, listing the fields there are', () => {
    // Act
    const rejection = rejectionOf({ source: 'shop', form: '2026-03-02' });

    // Assess
    expect(rejection).toEqual({
      field: 'form',
      message:
        'form: unknown field; expected source, table, from, to, includeFullLoad, force, dryRun, continuationToken',
    });
  });

  it.each(['includeFullLoad', 'force', 'dryRun'])('%s that is not a boolean', (field) => {
    // Act
    const rejection = rejectionOf({ source: 'shop', [field]: 'yes' });

    // Assess
    expect(rejection).toEqual({ field, message: `${field}: must be true or false` });
  });

  it.each([
    { label: 'missing', input: { table: 'sales.orders' } },
    { label: 'empty', input: { source: '' } },
    { label: 'not a string', input: { source: 42 } },
  ])('a source that is $label', ({ input }) => {
    // Act
    const rejection = rejectionOf(input);

    // Assess
    expect(rejection).toEqual({
      field: 'source',
      message: 'source: required: the source id of a mapping file, e.g. "casino_a"',
    });
  });

  it('a source no mapping has, listing the mapped sources in order', () => {
    // Act
    const rejection = rejectionOf({ source: 'nope' });

    // Assess
    expect(rejection).toEqual({
      field: 'source',
      message: 'source: unknown source "nope"; mapped sources: other, shop',
    });
  });

  it('any source when nothing is mapped, saying so', () => {
    // Act
    const rejection = rejectionOf({ source: 'shop' }, {});

    // Assess
    expect(rejection).toEqual({
      field: 'source',
      message: 'source: unknown source "shop"; mapped sources: none',
    });
  });

  it.each([
    { table: 'orders', shown: '"orders"' },
    { table: 'sales.orders.x', shown: '"sales.orders.x"' },
    { table: 'x.sales.orders', shown: '"x.sales.orders"' },
    { table: '.orders', shown: '".orders"' },
    { table: 'sales.', shown: '"sales."' },
    { table: 42, shown: '42' },
  ])('a table $shown that is not "schema.table"', ({ table, shown }) => {
    // Act
    const rejection = rejectionOf({ source: 'shop', table });

    // Assess
    expect(rejection).toEqual({ field: 'table', message: `table: expected "schema.table", got ${shown}` });
  });

  it.each([
    { table: 'sales.returns', label: 'a table the source does not map' },
    { table: 'crm.orders', label: 'a mapped table name in another schema' },
    { table: 'sales.users', label: 'a mapped table name in another mapped schema' },
  ])('$label, listing the mapped tables', ({ table }) => {
    // Act
    const rejection = rejectionOf({ source: 'shop', table });

    // Assess
    expect(rejection).toEqual({
      field: 'table',
      message: `table: "${table}" is not a mapped table of shop; mapped: crm.users, sales.items, sales.orders`,
    });
  });

  it('a from that is not before to', () => {
    // Act
    const rejection = rejectionOf({ source: 'shop', from: '2026-03-03', to: '2026-03-02' });

    // Assess
    expect(rejection).toEqual({
      field: 'from',
      message: 'from: 2026-03-03 is not before to 2026-03-02; from is inclusive, to exclusive',
    });
  });

  it.each([
    { field: 'from', value: '2026-03-02 10:00', shown: '"2026-03-02 10:00"' },
    { field: 'to', value: 20260302, shown: '20260302' },
  ])('a $field that is not an ISO-8601 UTC time: $shown', ({ field, value, shown }) => {
    // Act
    const rejection = rejectionOf({ source: 'shop', [field]: value });

    // Assess
    expect(rejection).toEqual({
      field,
      message: `${field}: ${shown} is not an ISO-8601 UTC time like 2024-03-27T01:00:00Z or 2024-03-27`,
    });
  });

  it.each([
    { label: 'empty', continuationToken: '' },
    { label: 'not a string', continuationToken: 42 },
  ])('a continuation token that is $label', ({ continuationToken }) => {
    // Act
    const rejection = rejectionOf({ source: 'shop', continuationToken });

    // Assess
    expect(rejection).toEqual({
      field: 'continuationToken',
      message: 'continuationToken: must be the non-empty string a previous invocation returned',
    });
  });

  it('with a ReplayInputError, named so in logs and stack traces', () => {
    // Act
    const error = (() => {
      try {
        return parseReplayRequest({ source: 'nope' }, ROUTING);
      } catch (thrown) {
        return thrown as Error;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ReplayInputError);
    expect(String(error)).toBe(
      'ReplayInputError: source: unknown source "nope"; mapped sources: other, shop',
    );
  });
});

describe('parseReplayRequest accepts', () => {
  it('a source alone: all its tables in route-key order, no window, every flag off', () => {
    // Act
    const plan = parseReplayRequest({ source: 'shop' }, ROUTING);

    // Assess
    expect(plan).toStrictEqual({
      source: 'shop',
      routes: SHOP_ROUTES,
      includeFullLoad: false,
      force: false,
      dryRun: false,
    });
  });

  it('every field', () => {
    // Act
    const plan = parseReplayRequest(
      {
        source: 'shop',
        table: 'sales.items',
        from: '2026-03-02T06:00Z',
        to: '2026-03-03',
        includeFullLoad: true,
        force: true,
        dryRun: true,
        continuationToken: 'eyJ2IjoxfQ',
      },
      ROUTING,
    );

    // Assess
    expect(plan).toStrictEqual({
      source: 'shop',
      routes: [route('shop/sales/items')],
      from: new Date('2026-03-02T06:00:00.000Z'),
      to: new Date('2026-03-03T00:00:00.000Z'),
      includeFullLoad: true,
      force: true,
      dryRun: true,
      continuationToken: 'eyJ2IjoxfQ',
    });
  });

  it('flags set to false', () => {
    // Act
    const plan = parseReplayRequest(
      { source: 'other', includeFullLoad: false, force: false, dryRun: false },
      ROUTING,
    );

    // Assess
    expect(plan).toStrictEqual({
      source: 'other',
      routes: [route('other/sales/orders')],
      includeFullLoad: false,
      force: false,
      dryRun: false,
    });
  });
});

describe('parseIsoUtc', () => {
  it.each([
    { value: '2024-03-27', time: '2024-03-27T00:00:00.000Z' },
    { value: '2024-03-27T01:43Z', time: '2024-03-27T01:43:00.000Z' },
    { value: '2024-03-27T01:43:03Z', time: '2024-03-27T01:43:03.000Z' },
    { value: '2024-03-27T01:43:03.888Z', time: '2024-03-27T01:43:03.888Z' },
    { value: '2024-03-27T01:43:03.5Z', time: '2024-03-27T01:43:03.500Z' },
    { value: '2024-03-27T01:43:03.05Z', time: '2024-03-27T01:43:03.050Z' },
    { value: '2024-02-29T23:59:59.999Z', time: '2024-02-29T23:59:59.999Z' },
  ])('reads $value as $time', ({ value, time }) => {
    // Act
    const parsed = parseIsoUtc(value);

    // Assess
    expect(parsed?.toISOString()).toBe(time);
  });

  it.each([
    '2024-02-30',
    '2023-02-29',
    '2024-03-27T24:00Z',
    '2024-03-27T01:60Z',
    '2024-03-27T01:43:60Z',
    '2024-03-27T01:43:03.8888Z',
    '2024-03-27T01:43:03+01:00',
    '2024-03-27T01:43:03',
  ])('refuses %s', (value) => {
    // Act
    const parsed = parseIsoUtc(value);

    // Assess
    expect(parsed).toBeUndefined();
  });
});

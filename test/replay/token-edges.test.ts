import { describe, expect, it } from 'vitest';
import { parseReplayRequest, ReplayInputError, type ReplayRequest } from '../../lambdas/replay/request.js';
import { decodeToken, encodeToken, type ReplayCursor } from '../../lambdas/replay/token.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

// The continuation token an invocation returns and the next one resumes from: it must bring back
// exactly the cursor it was made of, and only for the request it was made for.

const ROUTING = buildRoutingTable([
  sourceMappingFactory({
    source: 'shop',
    tables: [
      tableMappingFactory({ schema: 'sales', table: 'orders' }),
      tableMappingFactory({ schema: 'sales', table: 'items' }),
    ],
  }),
]);
const planOf = (request: Omit<ReplayRequest, 'source'>) =>
  parseReplayRequest({ source: 'shop', ...request }, ROUTING);
const EPOCH = 1_780_000_000_000;
const base64url = (text: string) => Buffer.from(text).toString('base64url');

/** The field and message decodeToken refuses a token with; fails if it accepts it. */
function refusalOf(request: Omit<ReplayRequest, 'source'>, token: string) {
  try {
    decodeToken(planOf(request), token);
  } catch (error) {
    if (error instanceof ReplayInputError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error(`accepted ${token}`);
}

const NOT_OURS = {
  field: 'continuationToken',
  message: 'continuationToken: is not a token this function returned',
};
const OTHER_PARAMETERS = {
  field: 'continuationToken',
  message:
    'continuationToken: belongs to a replay with other parameters (source, table, from, to, includeFullLoad, force, dryRun) or older mappings; resend the original parameters with it',
};
const NO_EPOCH = {
  field: 'continuationToken',
  message: 'continuationToken: carries no replay epoch for this forced replay',
};

describe('a continuation token', () => {
  it.each<{ label: string; request: Omit<ReplayRequest, 'source'>; cursor: ReplayCursor }>([
    {
      label: 'a position within a segment',
      request: { from: '2026-03-02' },
      cursor: {
        position: {
          route: 'shop/sales/orders',
          kind: 'cdc',
          startAfter: 'shop/sales/orders/2026/03/02/20260302-060000000.parquet',
        },
      },
    },
    {
      label: 'the start of a segment',
      request: { includeFullLoad: true },
      cursor: { position: { route: 'shop/sales/items', kind: 'load' } },
    },
    {
      label: 'the replay epoch of a forced replay',
      request: { table: 'sales.orders', force: true },
      cursor: { position: { route: 'shop/sales/orders', kind: 'cdc' }, replayEpoch: EPOCH },
    },
  ])('brings back exactly its cursor: $label', ({ request, cursor }) => {
    // Prepare
    const plan = planOf(request);

    // Act
    const decoded = decodeToken(plan, encodeToken(plan, cursor));

    // Assess
    expect(decoded).toStrictEqual(cursor);
  });

  it.each<{ label: string; issued: Omit<ReplayRequest, 'source'>; resumed: Omit<ReplayRequest, 'source'> }>([
    { label: 'another from', issued: { from: '2026-03-02' }, resumed: { from: '2026-03-03' } },
    { label: 'a from it did not have', issued: {}, resumed: { from: '2026-03-03' } },
    { label: 'another to', issued: { to: '2026-03-02' }, resumed: { to: '2026-03-03' } },
    { label: 'a to it did not have', issued: {}, resumed: { to: '2026-03-03' } },
    { label: 'its from as to', issued: { from: '2026-03-02' }, resumed: { to: '2026-03-02' } },
    { label: 'another table', issued: { table: 'sales.orders' }, resumed: { table: 'sales.items' } },
    { label: 'includeFullLoad', issued: {}, resumed: { includeFullLoad: true } },
    { label: 'dryRun', issued: {}, resumed: { dryRun: true } },
  ])('is refused by a replay with $label', ({ issued, resumed }) => {
    // Prepare
    const token = encodeToken(planOf(issued), { position: { route: 'shop/sales/orders', kind: 'cdc' } });

    // Act
    const refusal = refusalOf(resumed, token);

    // Assess
    expect(refusal).toEqual(OTHER_PARAMETERS);
  });

  it('of an unforced replay is refused by the forced one', () => {
    // Prepare
    const token = encodeToken(planOf({}), { position: { route: 'shop/sales/orders', kind: 'cdc' } });

    // Act
    const refusal = refusalOf({ force: true }, token);

    // Assess
    expect(refusal).toEqual(OTHER_PARAMETERS);
  });

  it.each([
    {
      label: 'forced, without a replay epoch',
      force: true,
      cursor: { position: { route: 'shop/sales/orders', kind: 'cdc' } },
    },
    {
      label: 'unforced, with a replay epoch',
      force: false,
      cursor: { position: { route: 'shop/sales/orders', kind: 'cdc' }, replayEpoch: EPOCH },
    },
  ] as const)('is refused when $label', ({ force, cursor }) => {
    // Prepare
    const token = encodeToken(planOf({ force }), cursor);

    // Act
    const refusal = refusalOf({ force }, token);

    // Assess
    expect(refusal).toEqual(NO_EPOCH);
  });

  it.each([
    { label: 'not base64url JSON', token: 'garbage' },
    { label: 'of another version', token: base64url('{"v":2,"r":"shop/sales/orders","k":"cdc"}') },
    { label: 'without a segment', token: base64url('{"v":1,"k":"cdc"}') },
    { label: 'of an unknown kind', token: base64url('{"v":1,"r":"shop/sales/orders","k":"full"}') },
    { label: 'a JSON number', token: base64url('1') },
    { label: 'JSON null', token: base64url('null') },
  ])('is refused when it is $label', ({ token }) => {
    // Act
    const refusal = refusalOf({}, token);

    // Assess
    expect(refusal).toEqual(NOT_OURS);
  });
});

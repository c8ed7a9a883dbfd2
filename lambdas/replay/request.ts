import type { Route, RoutingTable } from '../shared/routing.js';

/** The replay function's input, as an operator writes it in an `aws lambda invoke` payload. */
export interface ReplayRequest {
  source: string;
  /** `schema.table`; all mapped tables of the source when absent. */
  table?: string;
  /** ISO-8601 UTC, inclusive, compared with the write time in the CDC file name. */
  from?: string;
  /** ISO-8601 UTC, exclusive. */
  to?: string;
  includeFullLoad?: boolean;
  force?: boolean;
  dryRun?: boolean;
  continuationToken?: string;
}

/** A validated request: the tables to list and the time window of their CDC files. */
export interface ReplayPlan {
  source: string;
  /** Sorted by route key, so every invocation of one replay walks them in the same order. */
  routes: Route[];
  from?: Date;
  to?: Date;
  includeFullLoad: boolean;
  force: boolean;
  dryRun: boolean;
  continuationToken?: string;
}

/** Input the replay cannot run with; `field` names the offending property. Nothing is enqueued. */
export class ReplayInputError extends Error {
  override name = 'ReplayInputError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const FIELDS = new Set([
  'source',
  'table',
  'from',
  'to',
  'includeFullLoad',
  'force',
  'dryRun',
  'continuationToken',
]);
const BOOLEANS = ['includeFullLoad', 'force', 'dryRun'] as const;

/** `2024-03-27`, `2024-03-27T01:43Z`, `2024-03-27T01:43:03Z`, `2024-03-27T01:43:03.888Z`: UTC only. */
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?Z)?$/;

export function parseReplayRequest(input: unknown, routing: RoutingTable): ReplayPlan {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ReplayInputError('(input)', 'expected a JSON object like {"source":"casino_a"}');
  }
  const raw = input as Record<string, unknown>;
  for (const field of Object.keys(raw)) {
    if (!FIELDS.has(field))
      throw new ReplayInputError(field, `unknown field; expected ${[...FIELDS].join(', ')}`);
  }
  for (const field of BOOLEANS) {
    if (raw[field] !== undefined && typeof raw[field] !== 'boolean') {
      throw new ReplayInputError(field, 'must be true or false');
    }
  }
  const routes = selectRoutes(raw.source, raw.table, routing);
  const from = optionalTime(raw, 'from');
  const to = optionalTime(raw, 'to');
  if (from && to && from.getTime() >= to.getTime()) {
    throw new ReplayInputError(
      'from',
      `${raw.from} is not before to ${raw.to}; from is inclusive, to exclusive`,
    );
  }
  const token = raw.continuationToken;
  if (token !== undefined && (typeof token !== 'string' || token === '')) {
    throw new ReplayInputError(
      'continuationToken',
      'must be the non-empty string a previous invocation returned',
    );
  }
  return {
    source: raw.source as string,
    routes,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    includeFullLoad: raw.includeFullLoad === true,
    force: raw.force === true,
    dryRun: raw.dryRun === true,
    ...(token === undefined ? {} : { continuationToken: token as string }),
  };
}

function selectRoutes(source: unknown, table: unknown, routing: RoutingTable): Route[] {
  if (typeof source !== 'string' || source === '') {
    throw new ReplayInputError('source', 'required: the source id of a mapping file, e.g. "casino_a"');
  }
  // In route-key order: sort() orders strings by their UTF-16 code units.
  const ofSource = Object.keys(routing)
    .sort()
    .map((key) => routing[key] as Route)
    .filter((route) => route.source === source);
  if (ofSource.length === 0) {
    const known = [...new Set(Object.values(routing).map((route) => route.source))].sort();
    throw new ReplayInputError(
      'source',
      `unknown source "${source}"; mapped sources: ${known.join(', ') || 'none'}`,
    );
  }
  if (table === undefined) return ofSource;
  if (typeof table !== 'string' || !/^[^.]+\.[^.]+$/.test(table)) {
    throw new ReplayInputError('table', `expected "schema.table", got ${JSON.stringify(table)}`);
  }
  const [schema, name] = table.split('.');
  const route = ofSource.find((candidate) => candidate.schema === schema && candidate.table === name);
  if (!route) {
    const known = ofSource.map((candidate) => `${candidate.schema}.${candidate.table}`).join(', ');
    throw new ReplayInputError('table', `"${table}" is not a mapped table of ${source}; mapped: ${known}`);
  }
  return [route];
}

function optionalTime(raw: Record<string, unknown>, field: 'from' | 'to'): Date | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  const time = typeof value === 'string' ? parseIsoUtc(value) : undefined;
  if (!time) {
    throw new ReplayInputError(
      field,
      `${JSON.stringify(value)} is not an ISO-8601 UTC time like 2024-03-27T01:00:00Z or 2024-03-27`,
    );
  }
  return time;
}

/**
 * `2024-03-27` (midnight UTC), `2024-03-27T01:43Z`, `…T01:43:03Z`, `…T01:43:03.888Z`; undefined for
 * anything else, including offsets other than Z and impossible dates like 2024-02-30.
 */
export function parseIsoUtc(value: string): Date | undefined {
  const match = ISO_UTC.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '0'] = match;
  const parts = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const time = new Date(
    Date.UTC(parts[0], parts[1] - 1, parts[2], parts[3], parts[4], parts[5], Number(fraction.padEnd(3, '0'))),
  );
  // Date.UTC rolls 2024-02-30 over into March and hours 24–99 into a later day: a date that does not
  // survive the round trip is a typo. A minute or second of 60 can stay within the day: checked.
  const valid = time.toISOString().slice(0, 10) === value.slice(0, 10) && parts[4] < 60 && parts[5] < 60;
  return valid ? time : undefined;
}

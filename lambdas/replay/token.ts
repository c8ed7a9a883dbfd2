import { createHash } from 'node:crypto';
import type { DmsFileKind } from '../shared/dms/keys.js';
import { ReplayInputError, type ReplayPlan } from './request.js';

/**
 * Where a replay stopped: everything up to and including `startAfter` in segment (`route`, `kind`)
 * — and every segment before it — has been enqueued; the next invocation lists from exactly there.
 * The segment is named, not numbered, so a token cannot silently point at another table.
 */
export interface ReplayPosition {
  route: string;
  kind: DmsFileKind;
  /** Last key consumed from the listing; absent: the segment's own start. */
  startAfter?: string;
}

export interface ReplayCursor {
  position: ReplayPosition;
  /** Forced replays: the epoch every page of this replay stamps on its messages. */
  replayEpoch?: number;
}

interface TokenBody {
  v: 1;
  /** Fingerprint of the request the token belongs to. */
  f: string;
  r: string;
  k: DmsFileKind;
  a?: string;
  e?: number;
}

/** What a token is only valid for: resuming with other parameters would skip or repeat files. */
function fingerprint(plan: ReplayPlan): string {
  const identity = [
    plan.source,
    plan.routes.map((route) => `${route.source}/${route.schema}/${route.table}`).join(','),
    plan.from?.toISOString() ?? '',
    plan.to?.toISOString() ?? '',
    plan.includeFullLoad,
    plan.force,
    plan.dryRun,
  ].join('\n');
  return createHash('sha256').update(identity).digest('base64url').slice(0, 16);
}

export function encodeToken(plan: ReplayPlan, cursor: ReplayCursor): string {
  const body: TokenBody = {
    v: 1,
    f: fingerprint(plan),
    r: cursor.position.route,
    k: cursor.position.kind,
    ...(cursor.position.startAfter === undefined ? {} : { a: cursor.position.startAfter }),
    ...(cursor.replayEpoch === undefined ? {} : { e: cursor.replayEpoch }),
  };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeToken(plan: ReplayPlan, token: string): ReplayCursor {
  let body: Partial<TokenBody>;
  try {
    // `null` is JSON too, and has no properties to read.
    body = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) ?? {}) as Partial<TokenBody>;
  } catch {
    throw new ReplayInputError('continuationToken', 'is not a token this function returned');
  }
  if (body.v !== 1 || typeof body.r !== 'string' || (body.k !== 'cdc' && body.k !== 'load')) {
    throw new ReplayInputError('continuationToken', 'is not a token this function returned');
  }
  if (body.f !== fingerprint(plan)) {
    throw new ReplayInputError(
      'continuationToken',
      'belongs to a replay with other parameters (source, table, from, to, includeFullLoad, force, dryRun) or older mappings; resend the original parameters with it',
    );
  }
  if (plan.force !== (typeof body.e === 'number')) {
    throw new ReplayInputError('continuationToken', 'carries no replay epoch for this forced replay');
  }
  return {
    position: { route: body.r, kind: body.k, ...(typeof body.a === 'string' ? { startAfter: body.a } : {}) },
    ...(typeof body.e === 'number' ? { replayEpoch: body.e } : {}),
  };
}

import type { SQSClient } from '@aws-sdk/client-sqs';
import { replayMessage } from '../shared/messages.js';
import { BatchEnqueuer, EnqueueError, type EnqueueOptions } from './enqueue.js';
import { listSegment, type ObjectLister } from './listing.js';
import { ReplayInputError, type ReplayPlan } from './request.js';
import { listingSegments, type Segment, segmentFile } from './segments.js';
import { decodeToken, encodeToken, type ReplayCursor, type ReplayPosition } from './token.js';

export interface ReplaySummary {
  /** Keys this invocation listed within the ranges that can match. */
  listed: number;
  /** Of those, files of the requested kind and time window. */
  matched: number;
  /** Replay messages SQS accepted (0 for a dry run). */
  enqueued: number;
  /** Present when the invocation stopped before its timeout: invoke again with it and the same input. */
  continuationToken?: string;
}

/** The Lambda context's clock is all a replay needs to know about its invocation. */
export interface InvocationClock {
  getRemainingTimeInMillis(): number;
}

export interface ReplayDeps {
  lister: ObjectLister;
  sqs: SQSClient;
  bucket: string;
  queueUrl: string;
  /** Stop when less than this is left: enough to finish the batches in flight and return. */
  reserveMs?: number;
  enqueue?: EnqueueOptions;
  /** Start time of a forced replay, in ms: its replay epoch. */
  now?: () => number;
}

/** Keys handled between two looks at the clock. */
const CLOCK_CHECK_EVERY = 100;
export const DEFAULT_RESERVE_MS = 10_000;

/** SQS did not take some messages; the token resumes at the earliest one that may be missing. */
export class ReplayEnqueueError extends Error {
  override name = 'ReplayEnqueueError';
  constructor(
    message: string,
    readonly continuationToken: string,
  ) {
    super(
      `${message}; nothing before it is lost: invoke again with the same input and continuationToken ${continuationToken}`,
    );
  }
}

export async function runReplay(
  plan: ReplayPlan,
  deps: ReplayDeps,
  clock: InvocationClock,
): Promise<ReplaySummary> {
  const segments = listingSegments(plan);
  const cursor = startCursor(plan, segments, deps.now ?? Date.now);
  const first = segments.findIndex(
    (s) => s.route === cursor.position.route && s.kind === cursor.position.kind,
  );
  if (first === -1) {
    throw new ReplayInputError(
      'continuationToken',
      `names ${cursor.position.route} (${cursor.position.kind}), which this replay does not list`,
    );
  }
  const reserveMs = deps.reserveMs ?? DEFAULT_RESERVE_MS;
  const enqueuer = plan.dryRun
    ? undefined
    : new BatchEnqueuer<ReplayPosition>(deps.sqs, deps.queueUrl, deps.enqueue);
  const summary = { listed: 0, matched: 0, enqueued: 0 };
  const tokenAt = (position: ReplayPosition): string =>
    encodeToken(plan, {
      position,
      ...(cursor.replayEpoch === undefined ? {} : { replayEpoch: cursor.replayEpoch }),
    });
  const finish = async (position?: ReplayPosition): Promise<ReplaySummary> => {
    await enqueuer?.flush();
    summary.enqueued = enqueuer?.enqueued ?? 0;
    return position ? { ...summary, continuationToken: tokenAt(position) } : summary;
  };
  // A replay always makes progress, however little time is left, so following tokens terminates.
  const timeIsUp = () => summary.listed > 0 && clock.getRemainingTimeInMillis() < reserveMs;

  try {
    for (const segment of segments.slice(first)) {
      const resumed = segment === segments[first] ? cursor.position.startAfter : undefined;
      let last = resumed ?? segment.startAfter;
      const here = (): ReplayPosition => ({
        route: segment.route,
        kind: segment.kind,
        ...(last === undefined ? {} : { startAfter: last }),
      });
      for await (const page of listSegment(deps.lister, segment, last)) {
        for (const [index, object] of page.entries()) {
          if (index % CLOCK_CHECK_EVERY === 0 && timeIsUp()) return await finish(here());
          summary.listed++;
          if (segmentFile(segment, object.key)) {
            summary.matched++;
            const message = replayMessage({
              bucket: deps.bucket,
              key: object.key,
              ...(object.etag === undefined ? {} : { etag: object.etag }),
              ...(cursor.replayEpoch === undefined ? {} : { replayEpoch: cursor.replayEpoch }),
            });
            await enqueuer?.add(JSON.stringify(message), here());
          }
          last = object.key;
        }
      }
      if (timeIsUp() && segment !== segments.at(-1)) {
        const next = segments[segments.indexOf(segment) + 1] as Segment;
        return await finish({ route: next.route, kind: next.kind });
      }
    }
    return await finish();
  } catch (error) {
    await enqueuer?.settle();
    if (error instanceof EnqueueError) {
      throw new ReplayEnqueueError(
        error.message,
        tokenAt((error as EnqueueError<ReplayPosition>).resumeFrom),
      );
    }
    throw error;
  }
}

function startCursor(plan: ReplayPlan, segments: Segment[], now: () => number): ReplayCursor {
  if (plan.continuationToken) return decodeToken(plan, plan.continuationToken);
  const first = segments[0];
  if (!first) throw new ReplayInputError('source', 'no tables to replay');
  return {
    position: { route: first.route, kind: first.kind },
    ...(plan.force ? { replayEpoch: now() } : {}),
  };
}

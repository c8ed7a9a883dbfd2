import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RoutingTable } from '../shared/routing.js';
import type { EnqueueOptions } from './enqueue.js';
import { S3ObjectLister } from './listing.js';
import { type InvocationClock, type ReplaySummary, runReplay } from './replay.js';
import { parseReplayRequest, ReplayInputError } from './request.js';

/** Bad input: nothing was listed or enqueued; `field` names what to fix. */
export interface ReplayInputFailure {
  error: 'ReplayInputError';
  field: string;
  message: string;
}

export type ReplayResult = ReplaySummary | ReplayInputFailure;

export const isInputFailure = (result: ReplayResult): result is ReplayInputFailure => 'error' in result;

export interface ReplayHandlerDeps {
  s3: S3Client;
  sqs: SQSClient;
  /** The landing bucket DMS writes to. */
  bucket: string;
  /** The loader queue: replayed files take the same path as live ones. */
  queueUrl: string;
  /** Which `<source>/<schema>/<table>` exist: the loader's own routing table. */
  routing: RoutingTable;
  reserveMs?: number;
  enqueue?: EnqueueOptions;
  now?: () => number;
}

/**
 * The replay function, wired to its clients. The deployed handler and `dms2bq replay --local` both
 * run this, so the local replay is the deployed code path against the local stand-ins.
 */
export function createReplayHandler(deps: ReplayHandlerDeps) {
  const lister = new S3ObjectLister(deps.s3, deps.bucket);
  return async (event: unknown, context: InvocationClock): Promise<ReplayResult> => {
    try {
      const plan = parseReplayRequest(event, deps.routing);
      return await runReplay(
        plan,
        {
          lister,
          sqs: deps.sqs,
          bucket: deps.bucket,
          queueUrl: deps.queueUrl,
          ...(deps.reserveMs === undefined ? {} : { reserveMs: deps.reserveMs }),
          ...(deps.enqueue ? { enqueue: deps.enqueue } : {}),
          ...(deps.now ? { now: deps.now } : {}),
        },
        context,
      );
    } catch (error) {
      if (error instanceof ReplayInputError) {
        return { error: 'ReplayInputError', field: error.field, message: error.message };
      }
      throw error;
    }
  };
}

/**
 * Replay Lambda: re-sends a range of landed DMS files through the loader queue (docs/backfill.md).
 *
 * Deployment contract (infra/ builds the function to exactly this):
 *   LANDING_BUCKET     the bucket DMS writes to; the role may s3:ListBucket on the landing prefixes
 *   LOADER_QUEUE_URL   the loader queue; the role may sqs:SendMessage on it (SendMessageBatch)
 *   __DMS2BQ_ROUTING__ esbuild define = JSON.stringify(buildRoutingTable(mappings)), the same table
 *                      the loader gets, so a replay accepts exactly the tables the loader routes
 *   The function name is a stack output, which `dms2bq replay --function-name` takes.
 *   Timeout: any; the function stops about 10 s before it and returns a continuationToken.
 *
 * Input:  { source, table?: "schema.table", from?, to?, includeFullLoad?, force?, dryRun?, continuationToken? }
 * Output: { listed, matched, enqueued, continuationToken? }, or for bad input
 *         { error: "ReplayInputError", field, message } with nothing enqueued.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { RoutingTable } from '../shared/routing.js';
import { createReplayHandler, isInputFailure } from './create-handler.js';
import type { InvocationClock } from './replay.js';

declare const __DMS2BQ_ROUTING__: RoutingTable | undefined;

const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required by the replay function`);
  return value;
};

if (typeof __DMS2BQ_ROUTING__ === 'undefined') {
  throw new Error(
    'the replay function was bundled without __DMS2BQ_ROUTING__ (esbuild define of buildRoutingTable(mappings))',
  );
}

const logger = new Logger();
const replay = createReplayHandler({
  s3: new S3Client({}),
  sqs: new SQSClient({}),
  bucket: requireEnv('LANDING_BUCKET'),
  queueUrl: requireEnv('LOADER_QUEUE_URL'),
  routing: __DMS2BQ_ROUTING__,
});

export const handler = async (event: unknown, context: InvocationClock) => {
  const result = await replay(event, context);
  if (isInputFailure(result)) {
    // Not `...result`: Powertools drops a `message` key (the log line's own) with a warning of its own.
    logger.warn('replay input rejected', {
      error: result.error,
      field: result.field,
      reason: result.message,
    });
  } else {
    logger.info('replay invocation done', { request: event, ...result });
  }
  return result;
};

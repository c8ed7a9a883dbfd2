import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createReplayHandler } from '../../lambdas/replay/create-handler.js';
import type { ReplayRequest } from '../../lambdas/replay/request.js';
import { cdcKey, loadKey } from '../../lambdas/shared/dms/keys.js';
import type { ReplayMessage } from '../../lambdas/shared/messages.js';
import { buildRoutingTable, type RoutingTable } from '../../lambdas/shared/routing.js';
import type { LocalAws } from '../../local/aws/index.js';
import type { LocalPipeline } from '../../local/pipeline/local-pipeline.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

export const SOURCE = 'shop';
export const TABLES = ['crm.users', 'sales.items', 'sales.orders'] as const;
/** The landing window of the fixture: four days of CDC files per table. */
export const FIRST_FILE = new Date('2026-03-01T00:00:00.000Z');
const DAYS = 4;

/** The routing table of source `shop` with the fixture's tables (and one of another source). */
export function routingFactory(): RoutingTable {
  const shop = sourceMappingFactory({
    source: SOURCE,
    tables: TABLES.map((name) => {
      const [schema = '', table = ''] = name.split('.');
      return tableMappingFactory({ schema, table });
    }),
  });
  const other = sourceMappingFactory({ source: 'other', bigquery: { dataset: 'other_cdc' } });
  return buildRoutingTable([shop, other]);
}

export interface LandedFixture {
  cdc: { key: string; table: string; time: Date }[];
  load: { key: string; table: string }[];
  /** Keys a replay must never enqueue: not DMS files, or of tables no mapping routes. */
  foreign: string[];
}

/**
 * `perTable` CDC files per table spread evenly over four days (ms precision, odd steps so the file
 * times do not line up across tables), full-load files LOAD00000001…LOAD0000000B (hex counter), and
 * keys that look close to DMS files but are not replayable.
 */
export function landedFixture(perTable: number): LandedFixture {
  const step = Math.floor((DAYS * 86_400_000) / perTable);
  const fixture: LandedFixture = { cdc: [], load: [], foreign: [] };
  TABLES.forEach((name, tableIndex) => {
    const [schema = '', table = ''] = name.split('.');
    for (let i = 0; i < perTable; i++) {
      const time = new Date(FIRST_FILE.getTime() + i * step + tableIndex * 7);
      fixture.cdc.push({ key: cdcKey(SOURCE, schema, table, time), table: name, time });
    }
    for (let n = 1; n <= 11; n++) fixture.load.push({ key: loadKey(SOURCE, schema, table, n), table: name });
  });
  fixture.foreign.push(
    `${SOURCE}/sales/orders/2026/03/02/manifest.json`,
    `${SOURCE}/sales/orders/2026/03/02/part-0.parquet`,
    `${SOURCE}/sales/returns/2026/03/02/20260302-000000000.parquet`,
    `${SOURCE}/sales/returns/LOAD00000001.parquet`,
    'other/sales/orders/2026/03/02/20260302-000000000.parquet',
  );
  return fixture;
}

/** A CDC key of the fixture's `sales.orders` at an exact time (for range-boundary files). */
export const ordersKeyAt = (time: Date) => cdcKey(SOURCE, 'sales', 'orders', time);

/**
 * Lands small objects. A client of its own that skips the optional request checksums: seeding
 * 10,000 objects is most of these tests' time, and the checksums test nothing of the replay.
 */
export async function putObjects(
  aws: Pick<LocalAws, 'clientConfig' | 'bucket'>,
  keys: readonly string[],
  concurrency = 8,
) {
  const bucket = aws.bucket;
  const seeder = new S3Client({ ...aws.clientConfig, requestChecksumCalculation: 'WHEN_REQUIRED' });
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      await seeder.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `content of ${key}` }));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker)).finally(() => seeder.destroy());
}

let queues = 0;

/** Each test gets its own empty queue on the shared fauxqs, so messages never leak between tests. */
export async function freshQueue(sqs: SQSClient): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `replay-test-${++queues}` }));
  if (!QueueUrl) throw new Error('fauxqs returned no queue URL');
  return QueueUrl;
}

/**
 * Every replay message in the queue, parsed; each hidden for 10 minutes so none is received twice.
 * The S3 test event the local notifier sends once at start is left out.
 */
export async function receiveReplayMessages(sqs: SQSClient, queueUrl: string): Promise<ReplayMessage[]> {
  const received: ReplayMessage[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600 }),
    );
    if (Messages.length === 0) return received;
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? 'null') as ReplayMessage | { Event: string };
      if (!('Event' in body && body.Event === 's3:TestEvent')) received.push(body as ReplayMessage);
    }
  }
}

/** A Lambda context whose remaining time drops by `stepMs` on every look, from `startMs`. */
export function droppingClock(startMs: number, stepMs: number) {
  let remaining = startMs + stepMs;
  return {
    getRemainingTimeInMillis: () => {
      remaining -= stepMs;
      return remaining;
    },
  };
}

/** A context that never runs out of time. */
export const endlessClock = { getRemainingTimeInMillis: () => 900_000 };

export const sortedKeys = (messages: readonly { key: string }[]) => messages.map((m) => m.key).sort();

/** Replays like `dms2bq replay` (following tokens) through a local pipeline and waits until its loader took every message. */
export async function replayAndDrain(pipeline: LocalPipeline, request: ReplayRequest): Promise<number> {
  const handler = createReplayHandler({
    s3: pipeline.aws.s3,
    sqs: pipeline.aws.sqs,
    bucket: pipeline.aws.bucket,
    queueUrl: pipeline.aws.queueUrl,
    routing: pipeline.routing,
  });
  let enqueued = 0;
  let token: string | undefined;
  do {
    const result = await handler(
      { ...request, ...(token ? { continuationToken: token } : {}) },
      endlessClock,
    );
    if ('error' in result) throw new Error(result.message);
    enqueued += result.enqueued;
    token = result.continuationToken;
  } while (token);
  await pipeline.drain();
  return enqueued;
}

import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { LoaderHarness } from './harness.js';

/**
 * A DMS-shaped file of `groups` row groups of `rows` rows each, ids 0 … groups·rows − 1, as DuckDB's
 * own writer lays it out: a UNION ALL of `rows`-row SELECTs gives DuckDB chunks of that size, and
 * ROW_GROUP_SIZE makes each chunk a row group (a single SELECT would give 2,048-row groups).
 */
export function manyRowGroups(groups: number, rows: number, version = 1): string {
  const second = String(version).padStart(2, '0');
  return Array.from(
    { length: groups },
    (_, group) => `SELECT 'I' AS "Op", '2024-03-27 01:43:${second}.000000' AS _dms_timestamp,
      lpad(CAST(${version} * 1000000 + i AS VARCHAR), 35, '0') AS _dms_change_seq,
      CAST(i AS BIGINT) AS id, 'v${version}-' || i AS name
      FROM range(${group * rows}, ${(group + 1) * rows}) t(i)`,
  ).join(' UNION ALL ');
}

/**
 * A clock that runs `stepMs` ahead on every look: the loader's deadline checks then spend the
 * invocation's time the way a slow stream would, the same on every machine, without waiting.
 */
export function tickingClock(stepMs: number): () => number {
  let looks = 0;
  return () => Date.now() + looks++ * stepMs;
}

/** Takes every message waiting in the loader queue (they stay invisible for a minute). */
export async function takeQueued(harness: LoaderHarness): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await harness.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: harness.aws.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => message.Body ?? ''));
  }
}

/** The landed object's ETag, unquoted, as a range message carries it. */
export async function etagOf(harness: LoaderHarness, key: string): Promise<string> {
  const head = await harness.aws.s3.send(new HeadObjectCommand({ Bucket: harness.aws.bucket, Key: key }));
  return (head.ETag ?? '').replaceAll('"', '');
}

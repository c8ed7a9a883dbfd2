import type { SQSRecord } from 'aws-lambda';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { CHANGE_SEQ_COLUMN, OP_COLUMN, TIMESTAMP_COLUMN } from '../../lambdas/shared/columns.js';
import type { Route, RoutingTable } from '../../lambdas/shared/routing.js';

/** `yyyy-MM-dd HH:mm:ss.SSSSSS`, as DMS writes `_dms_timestamp`. */
export const dmsTimestamp = (time: Date): string => `${time.toISOString().replace('T', ' ').slice(0, 23)}000`;

export interface DmsFileOptions {
  rows?: number;
  /** Commit time of the first row; each next row is one second later. */
  start?: Date;
  /** 35-digit change sequence of the first row; empty for a full-load file. */
  firstChangeSeq?: bigint;
  /** Extra STRING columns, e.g. one that appears mid-stream. */
  extraColumns?: string[];
  /** Writes `amount` as a STRING instead of DOUBLE, to provoke a type conflict. */
  amountAsString?: boolean;
  /** Writes `amount` as INT64 instead of DOUBLE: a later DOUBLE file is a widening. */
  amountAsInteger?: boolean;
  rowGroupSize?: number;
}

/** A Parquet file shaped like a DMS CDC file of a `bets`-like table. */
export function dmsParquet(options: DmsFileOptions = {}): Uint8Array {
  const rows = options.rows ?? 3;
  const start = options.start ?? new Date('2024-03-27T01:43:03.000Z');
  const index = Array.from({ length: rows }, (_, i) => i);
  const seq = (i: number) =>
    options.firstChangeSeq === undefined
      ? ''
      : (options.firstChangeSeq + BigInt(i)).toString().padStart(35, '0');
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: OP_COLUMN, data: index.map((i) => (i % 3 === 2 ? 'U' : 'I')), type: 'STRING' },
      {
        name: TIMESTAMP_COLUMN,
        data: index.map((i) => dmsTimestamp(new Date(start.getTime() + i * 1000))),
        type: 'STRING',
      },
      { name: CHANGE_SEQ_COLUMN, data: index.map(seq), type: 'STRING' },
      { name: 'id', data: index.map((i) => BigInt(i + 1)), type: 'INT64' },
      options.amountAsString
        ? { name: 'amount', data: index.map((i) => `${i}.5`), type: 'STRING' }
        : options.amountAsInteger
          ? { name: 'amount', data: index.map((i) => BigInt(i)), type: 'INT64' }
          : { name: 'amount', data: index.map((i) => i + 0.5), type: 'DOUBLE' },
      ...(options.extraColumns ?? []).map((name) => ({
        name,
        data: index.map((i) => `${name}-${i}`),
        type: 'STRING' as const,
      })),
    ],
    statisticsTruncateLength: Number.POSITIVE_INFINITY,
    ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}),
  });
  return new Uint8Array(buffer);
}

export const betsRoute: Route = {
  source: 'casino_a',
  schema: 'game',
  table: 'bets',
  dataset: 'casino_a_cdc',
  targetTable: 'bets',
  primaryKey: ['id'],
  current: 'view',
};

export const routing: RoutingTable = { 'casino_a/game/bets': betsRoute };

export function s3Notification(bucket: string, encodedKey: string, eTag = 'abc123'): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2024-03-27T01:43:04.000Z',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodedKey, size: 1, eTag },
        },
      },
    ],
  });
}

export function sqsRecord(body: string, messageId = `m-${Math.random().toString(36).slice(2)}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:loader',
    awsRegion: 'eu-west-1',
  };
}

/**
 * The bodies the loader queue carries, validated at the boundary:
 * - S3 event notifications (`{"Records":[…]}`), sent by S3 for every landed `.parquet` object;
 * - the one `s3:TestEvent` S3 sends when a notification configuration is saved;
 * - replay messages (`{"type":"dms2bq.replay","version":1,…}`) that the replay Lambda and the CLI
 *   enqueue to load files again. They share the loader with live traffic, so a replayed file goes
 *   through exactly the same routing, job-ID and verification code;
 * - row-group range messages (`{"type":"dms2bq.stream-range","version":1,…,"rowGroups":{…}}`) that
 *   the loader sends itself: the rows of a file too big to stream into its `<table>_current` CDC
 *   table in one invocation, a range of row groups each (ADR 0045). They carry what a file message
 *   carries, so a range goes through the same routing, job-ID and late-file decisions as its file.
 */

/** One file the loader should load. */
export interface FileRef {
  bucket: string;
  /** The decoded object key (S3 notifications carry it URL-encoded). */
  key: string;
  /** When known, the ETag (without quotes) pins the content the message refers to. */
  etag?: string;
  /** A forced replay: loads the file again under a fresh job-ID namespace. */
  replayEpoch?: number;
  /**
   * Only these row groups, to the CDC table: the file's changelog load is done (a range message is
   * sent after it). Absent: the whole file.
   */
  rowGroups?: RowGroupRange;
}

/** Row groups `[start, end)` of one Parquet file, by their index in its footer. */
export interface RowGroupRange {
  start: number;
  end: number;
}

export type LoaderMessage = { kind: 'test-event' } | { kind: 'files'; files: FileRef[] };

export const REPLAY_MESSAGE_TYPE = 'dms2bq.replay';
export const REPLAY_MESSAGE_VERSION = 1;

export interface ReplayMessage {
  type: typeof REPLAY_MESSAGE_TYPE;
  version: typeof REPLAY_MESSAGE_VERSION;
  bucket: string;
  key: string;
  etag?: string;
  replayEpoch?: number;
}

export const STREAM_RANGE_MESSAGE_TYPE = 'dms2bq.stream-range';
export const STREAM_RANGE_MESSAGE_VERSION = 1;

export interface StreamRangeMessage {
  type: typeof STREAM_RANGE_MESSAGE_TYPE;
  version: typeof STREAM_RANGE_MESSAGE_VERSION;
  bucket: string;
  key: string;
  /** Required: the row-group indexes belong to this version of the object. */
  etag: string;
  replayEpoch?: number;
  rowGroups: RowGroupRange;
}

/** A body that is none of the shapes above; carries the raw body so the DLQ entry explains itself. */
export class MessageFormatError extends Error {
  override name = 'MessageFormatError';
  constructor(
    reason: string,
    readonly rawBody: string,
  ) {
    super(`${reason}; raw body: ${rawBody.length > 2000 ? `${rawBody.slice(0, 2000)}…` : rawBody}`);
  }
}

/**
 * Builds a replay message. Without `replayEpoch` a replayed file that was already loaded is
 * acknowledged as a duplicate (safe backfill); with it the file loads again (forced replay).
 */
export function replayMessage(file: FileRef): ReplayMessage {
  if (!file.bucket || !file.key) throw new Error('a replay message needs a bucket and a key');
  if (file.replayEpoch !== undefined && !isEpoch(file.replayEpoch)) {
    throw new Error(`replayEpoch must be a non-negative integer, got ${file.replayEpoch}`);
  }
  return {
    type: REPLAY_MESSAGE_TYPE,
    version: REPLAY_MESSAGE_VERSION,
    bucket: file.bucket,
    key: file.key,
    ...(file.etag === undefined ? {} : { etag: stripQuotes(file.etag) }),
    ...(file.replayEpoch === undefined ? {} : { replayEpoch: file.replayEpoch }),
  };
}

/** Builds a row-group range message for a file whose ETag the loader has read. */
export function streamRangeMessage(
  file: FileRef & { etag: string; rowGroups: RowGroupRange },
): StreamRangeMessage {
  if (!file.bucket || !file.key || !file.etag) {
    throw new Error('a stream-range message needs a bucket, a key and an ETag');
  }
  if (!isRange(file.rowGroups)) {
    throw new Error(
      `rowGroups must be non-negative integers with start < end, got ${JSON.stringify(file.rowGroups)}`,
    );
  }
  return {
    type: STREAM_RANGE_MESSAGE_TYPE,
    version: STREAM_RANGE_MESSAGE_VERSION,
    bucket: file.bucket,
    key: file.key,
    etag: stripQuotes(file.etag),
    ...(file.replayEpoch === undefined ? {} : { replayEpoch: file.replayEpoch }),
    rowGroups: { start: file.rowGroups.start, end: file.rowGroups.end },
  };
}

/** S3 URL-encodes keys in notifications with spaces as `+`: undo `+` first, then percent-decoding. */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replaceAll('+', ' '));
}

export function parseLoaderMessage(body: string): LoaderMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MessageFormatError('message body is not JSON', body);
  }
  if (!isObject(parsed)) throw new MessageFormatError('message body is not a JSON object', body);
  if (parsed.Event === 's3:TestEvent') return { kind: 'test-event' };
  if (parsed.type === REPLAY_MESSAGE_TYPE) return { kind: 'files', files: [parseReplay(parsed, body)] };
  if (parsed.type === STREAM_RANGE_MESSAGE_TYPE) {
    return { kind: 'files', files: [parseStreamRange(parsed, body)] };
  }
  if (Array.isArray(parsed.Records)) return { kind: 'files', files: parseNotification(parsed.Records, body) };
  throw new MessageFormatError(
    'neither an S3 event notification nor a dms2bq replay or stream-range message',
    body,
  );
}

function parseNotification(records: unknown[], body: string): FileRef[] {
  if (records.length === 0) throw new MessageFormatError('S3 notification without records', body);
  return records.map((record, index) => {
    const s3 = isObject(record) && isObject(record.s3) ? record.s3 : undefined;
    const bucket = s3 && isObject(s3.bucket) ? s3.bucket.name : undefined;
    const object = s3 && isObject(s3.object) ? s3.object : undefined;
    if (
      !isObject(record) ||
      typeof record.eventName !== 'string' ||
      !record.eventName.startsWith('ObjectCreated:')
    ) {
      throw new MessageFormatError(`Records[${index}] is not an ObjectCreated event`, body);
    }
    if (typeof bucket !== 'string' || !object || typeof object.key !== 'string' || object.key === '') {
      throw new MessageFormatError(`Records[${index}] lacks s3.bucket.name or s3.object.key`, body);
    }
    let key: string;
    try {
      key = decodeS3Key(object.key);
    } catch {
      throw new MessageFormatError(`Records[${index}].s3.object.key is not URL-encoded correctly`, body);
    }
    const etag = typeof object.eTag === 'string' && object.eTag !== '' ? stripQuotes(object.eTag) : undefined;
    return etag === undefined ? { bucket, key } : { bucket, key, etag };
  });
}

function parseReplay(message: Record<string, unknown>, body: string): FileRef {
  if (message.version !== REPLAY_MESSAGE_VERSION) {
    throw new MessageFormatError(`replay message version ${String(message.version)} is not supported`, body);
  }
  const { bucket, key, etag, replayEpoch } = message;
  if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
    throw new MessageFormatError('replay message needs non-empty string bucket and key', body);
  }
  if (etag !== undefined && typeof etag !== 'string') {
    throw new MessageFormatError('replay message etag must be a string', body);
  }
  if (replayEpoch !== undefined && !isEpoch(replayEpoch)) {
    throw new MessageFormatError('replay message replayEpoch must be a non-negative integer', body);
  }
  return {
    bucket,
    key,
    ...(etag === undefined ? {} : { etag: stripQuotes(etag) }),
    ...(replayEpoch === undefined ? {} : { replayEpoch }),
  };
}

function parseStreamRange(message: Record<string, unknown>, body: string): FileRef {
  if (message.version !== STREAM_RANGE_MESSAGE_VERSION) {
    throw new MessageFormatError(
      `stream-range message version ${String(message.version)} is not supported`,
      body,
    );
  }
  const { bucket, key, etag, replayEpoch, rowGroups } = message;
  if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
    throw new MessageFormatError('stream-range message needs non-empty string bucket and key', body);
  }
  if (typeof etag !== 'string' || etag === '') {
    throw new MessageFormatError('stream-range message needs the ETag its row groups belong to', body);
  }
  if (replayEpoch !== undefined && !isEpoch(replayEpoch)) {
    throw new MessageFormatError('stream-range message replayEpoch must be a non-negative integer', body);
  }
  if (!isRange(rowGroups)) {
    throw new MessageFormatError(
      'stream-range message rowGroups must be {"start": i, "end": j} with integers 0 <= i < j',
      body,
    );
  }
  return {
    bucket,
    key,
    etag: stripQuotes(etag),
    ...(replayEpoch === undefined ? {} : { replayEpoch }),
    rowGroups: { start: rowGroups.start, end: rowGroups.end },
  };
}

/** S3 quotes ETags in HeadObject responses but not in notifications; compare them unquoted. */
export const stripQuotes = (etag: string): string => etag.replace(/^"(.*)"$/, '$1');

const isEpoch = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

const isRange = (value: unknown): value is RowGroupRange =>
  isObject(value) && isEpoch(value.start) && isEpoch(value.end) && value.start < value.end;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

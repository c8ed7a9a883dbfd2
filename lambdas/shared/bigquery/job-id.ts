import { createHash } from 'node:crypto';

/**
 * BigQuery's job namespace is the idempotency store (DESIGN decision 2): the job ID of a file is a
 * pure function of its content identity (bucket, key, ETag), so every delivery of one notification
 * — and every racing worker — probes the same IDs. A failed job keeps its ID, so retries after a
 * failed job move to the next generation. A forced replay moves to its own namespace (`_r<epoch>`)
 * so a file that was loaded before loads again, exactly once per epoch.
 */
export interface JobIdentity {
  source: string;
  schema: string;
  table: string;
  /** The file name without `.parquet`. */
  stem: string;
  bucket: string;
  key: string;
  etag: string;
  replayEpoch?: number;
}

export const MAX_JOB_ID_LENGTH = 1024;
/** Leaves room for the hash, replay and generation suffixes within 1,024 characters. */
const MAX_READABLE_LENGTH = 900;
const HASH_HEX_CHARS = 24;

const sanitize = (part: string): string => part.replace(/[^A-Za-z0-9_-]/g, '_');

/** The ID without its generation suffix: `cdc_<source>_<schema>_<table>_<stem>_<hash>[_r<epoch>]`. */
export function baseJobId(identity: JobIdentity): string {
  const hash = createHash('sha256')
    .update(`${identity.bucket}\n${identity.key}\n${identity.etag}`)
    .digest('hex')
    .slice(0, HASH_HEX_CHARS);
  const readable = sanitize(
    ['cdc', identity.source, identity.schema, identity.table, identity.stem].join('_'),
  ).slice(0, MAX_READABLE_LENGTH);
  const replay = identity.replayEpoch === undefined ? '' : `_r${identity.replayEpoch}`;
  return `${readable}_${hash}${replay}`;
}

export function jobIdForGeneration(base: string, generation: number): string {
  return `${base}_g${generation}`;
}

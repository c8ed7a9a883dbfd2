import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BigQuery, Job, JobLoadMetadata, JobMetadata, Table } from '@google-cloud/bigquery';
import { backoffDelay, type Deadline, type RetryPolicy } from './deadline.js';
import { type BigQueryErrorProto, isNotFound, isTransientError } from './errors.js';

/** What the loader reads from a job resource (`jobs.get` or the `jobs.insert` response). */
export interface JobSnapshot {
  id: string;
  state: 'PENDING' | 'RUNNING' | 'DONE';
  errorResult?: BigQueryErrorProto;
  errors: BigQueryErrorProto[];
  /** `statistics.load.outputRows`; BigQuery sends int64 as strings. */
  outputRows?: number;
  inputFileBytes?: number;
  /** `statistics.creationTime`: ms since the epoch on BigQuery's clock, when the job was created. */
  creationTime?: number;
}

export function toSnapshot(id: string, metadata: JobMetadata): JobSnapshot {
  const load = metadata.statistics?.load;
  const state = metadata.status?.state;
  return {
    id,
    state: state === 'DONE' || state === 'RUNNING' ? state : 'PENDING',
    ...(metadata.status?.errorResult ? { errorResult: metadata.status.errorResult } : {}),
    errors: metadata.status?.errors ?? [],
    ...(load?.outputRows == null ? {} : { outputRows: Number(load.outputRows) }),
    ...(load?.inputFileBytes == null ? {} : { inputFileBytes: Number(load.inputFileBytes) }),
    ...(metadata.statistics?.creationTime == null
      ? {}
      : { creationTime: Number(metadata.statistics.creationTime) }),
  };
}

/** `jobs.get`; undefined when the job does not exist. A job is addressed by project + location + ID. */
export async function getJob(
  bigquery: BigQuery,
  location: string,
  id: string,
): Promise<JobSnapshot | undefined> {
  try {
    const [metadata] = await bigquery.job(id, { location }).getMetadata();
    return toSnapshot(id, metadata);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Runs `operation`, retrying transient failures with backoff until the deadline. */
export async function withRetry<T>(
  operation: () => Promise<T>,
  what: string,
  deadline: Deadline,
  policy: RetryPolicy,
  onRetry?: (error: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    deadline.check(what);
    try {
      return await operation();
    } catch (error) {
      if (!isTransientError(error)) throw error;
      onRetry?.(error, attempt);
      await deadline.sleep(backoffDelay(attempt, policy), what);
    }
  }
}

/**
 * Poll intervals while a job runs: 25 ms growing by half each time (25, 38, 56, 84 … ms), then one
 * per second. Small CDC files finish within a few hundred milliseconds and should not wait up to
 * twice their load time; long loads cost one jobs.get per second at most.
 */
const FIRST_POLL_MS = 25;
const POLL_GROWTH = 1.5;
const MAX_POLL_MS = 1_000;

/** Polls a job the caller has just seen PENDING or RUNNING (lookup or insert response) until DONE. */
export async function waitForJob(
  bigquery: BigQuery,
  location: string,
  id: string,
  deadline: Deadline,
  policy: RetryPolicy,
): Promise<JobSnapshot> {
  for (let poll = 0; ; poll++) {
    await deadline.sleep(Math.min(MAX_POLL_MS, FIRST_POLL_MS * POLL_GROWTH ** poll), `wait for job ${id}`);
    const job = await withRetry(() => getJob(bigquery, location, id), `look up job ${id}`, deadline, policy);
    if (!job) throw new Error(`job ${id} disappeared while it was running`);
    if (job.state === 'DONE') return job;
  }
}

/**
 * Streams `body` into a load job through `table.createWriteStream` (one multipart request the
 * client never retries) and resolves with the `jobs.insert` response. The client would then poll
 * the job on its own; its poller is detached because `waitForJob` polls with our deadline and
 * retry policy instead.
 */
export function insertLoadJob(
  table: Table,
  id: string,
  configuration: JobLoadMetadata,
  body: Readable,
): Promise<JobSnapshot> {
  return new Promise((resolve, reject) => {
    const sink = table.createWriteStream({ ...configuration, jobId: id });
    // Never null here: createWriteStream's own 'job' listener, registered before this one, calls
    // `job.on` and throws on a response without a jobReference, so that case never reaches us.
    sink.once('job', (job: Job) => {
      job.removeAllListeners('complete');
      resolve(toSnapshot(id, job.metadata));
    });
    pipeline(body, sink).catch(reject);
  });
}

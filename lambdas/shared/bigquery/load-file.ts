import type { Readable } from 'node:stream';
import type { BigQuery, JobLoadMetadata } from '@google-cloud/bigquery';
import { backoffDelay, type Deadline, type RetryPolicy } from './deadline.js';
import {
  type BigQueryErrorProto,
  isAlreadyExists,
  isPermanentJobError,
  isTransientError,
  isTransientJobError,
} from './errors.js';
import { jobIdForGeneration } from './job-id.js';
import { getJob, insertLoadJob, type JobSnapshot, waitForJob, withRetry } from './jobs.js';

export interface LoadFileRequest {
  bigquery: BigQuery;
  location: string;
  dataset: string;
  table: string;
  /** From `baseJobId`: the generation suffix is added here. */
  baseJobId: string;
  configuration: JobLoadMetadata;
  /** Opens a fresh stream of the file for each upload attempt (a failed upload consumed the last). */
  openBody: () => Promise<Readable>;
  deadline: Deadline;
  retry: RetryPolicy;
  /** Jobs this delivery may insert that end in a failure before it gives up (each uses quota). */
  maxFailedJobs?: number;
  /**
   * Asked once per delivery when a job of this file failed for a reason retrying cannot fix
   * (`isPermanentJobError`), whoever inserted it: `retry` when something changed that lets a new
   * job succeed (the table was widened or replaced), `fail` otherwise. Without it such a file
   * fails at once: a new generation would fail the same way and spend another load job.
   */
  onPermanentFailure?: (job: JobSnapshot) => Promise<'retry' | 'fail'>;
  onEvent?: (event: LoadEvent) => void;
}

export type LoadEvent =
  | { type: 'insert'; jobId: string; generation: number }
  | { type: 'retry'; what: string; error: unknown; attempt: number }
  | { type: 'race'; jobId: string }
  | { type: 'failed-job'; jobId: string; generation: number; error: BigQueryErrorProto; ours: boolean };

export interface LoadFileResult {
  /** `loaded`: this delivery's job did it. `duplicate`: an earlier or concurrent delivery did. */
  outcome: 'loaded' | 'duplicate';
  generation: number;
  job: JobSnapshot;
}

/**
 * A load job of the file failed. `permanent`: for a reason another job cannot fix (BigQuery's
 * `invalid`), so no later delivery inserts another one; otherwise (quota, rate, BigQuery's own
 * trouble) a later delivery tries the next generation.
 */
export class LoadJobFailedError extends Error {
  override name = 'LoadJobFailedError';
  constructor(
    readonly jobId: string,
    readonly reason: string,
    message: string,
    readonly permanent = false,
  ) {
    super(message);
  }
}

const describe = (error: BigQueryErrorProto, details: BigQueryErrorProto[] = []): string =>
  [error, ...details.filter((d) => d.message !== error.message)]
    .map((e) => `${e.reason ?? 'error'}: ${e.message ?? '(no message)'}`)
    .join('; ');

/**
 * Loads one file exactly once, using the job namespace as the record of what was loaded
 * (reference/bigquery-loads.md): look the job up first; not found → upload; running → wait;
 * done → duplicate; failed for a reason a new job may overcome → next generation; failed for good
 * (`invalid`) → stop, unless `onPermanentFailure` changed what made it fail. An upload whose outcome is unknown (5xx, reset, lost
 * response, 409 from a racing worker) goes back to the lookup, which decides.
 */
export async function loadFileOnce(request: LoadFileRequest): Promise<LoadFileResult> {
  const { bigquery, location, deadline, retry, onEvent } = request;
  const table = bigquery.dataset(request.dataset).table(request.table, { location });
  // IDs this delivery may have created: every upload it started, minus those another worker won.
  const inserted = new Set<string>();
  // Uploads whose outcome is unknown (lost response, reset): the job may be ours even after a 409.
  const uncertain = new Set<string>();
  const maxFailedJobs = request.maxFailedJobs ?? 3;
  let failedJobs = 0;
  // A permanent failure is put to `onPermanentFailure` once per delivery: a second means the fix did not help.
  let permanentFailureAsked = false;
  let uploadAttempt = 0;
  for (let generation = 0; ; ) {
    const jobId = jobIdForGeneration(request.baseJobId, generation);
    const onRetry = (error: unknown, attempt: number) =>
      onEvent?.({ type: 'retry', what: `look up ${jobId}`, error, attempt });
    let job = await withRetry(
      () => getJob(bigquery, location, jobId),
      `look up ${jobId}`,
      deadline,
      retry,
      onRetry,
    );
    if (!job) {
      deadline.check(`uploading ${jobId}`);
      inserted.add(jobId);
      onEvent?.({ type: 'insert', jobId, generation });
      try {
        job = await insertLoadJob(table, jobId, request.configuration, await request.openBody());
      } catch (error) {
        if (isAlreadyExists(error)) {
          if (!uncertain.has(jobId)) inserted.delete(jobId);
          onEvent?.({ type: 'race', jobId });
          continue;
        }
        if (!isTransientError(error)) throw error;
        uncertain.add(jobId);
        onEvent?.({ type: 'retry', what: `upload ${jobId}`, error, attempt: uploadAttempt });
        await deadline.sleep(backoffDelay(uploadAttempt++, retry), `retry the upload of ${jobId}`);
        continue;
      }
    }
    if (job.state !== 'DONE') job = await waitForJob(bigquery, location, jobId, deadline, retry);
    if (!job.errorResult) {
      return { outcome: inserted.has(jobId) ? 'loaded' : 'duplicate', generation, job };
    }
    const ours = inserted.has(jobId);
    onEvent?.({ type: 'failed-job', jobId, generation, error: job.errorResult, ours });
    const reason = job.errorResult.reason ?? 'jobFailed';
    const message = `load job ${jobId} failed: ${describe(job.errorResult, job.errors)}`;
    if (isPermanentJobError(job.errorResult)) {
      const verdict =
        !permanentFailureAsked && request.onPermanentFailure ? await request.onPermanentFailure(job) : 'fail';
      if (verdict === 'fail') throw new LoadJobFailedError(jobId, reason, message, true);
      permanentFailureAsked = true;
    } else if (ours) {
      failedJobs++;
      if (!isTransientJobError(job.errorResult) || failedJobs >= maxFailedJobs) {
        throw new LoadJobFailedError(jobId, reason, message);
      }
      await deadline.sleep(backoffDelay(uploadAttempt++, retry), `retry after the failed job ${jobId}`);
    }
    // A failed job wrote nothing (loads are atomic) and keeps its ID: the next generation loads it.
    generation++;
  }
}

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BigQuery } from '@google-cloud/bigquery';
import { type ColumnSource, parquetWriteBuffer } from 'hyparquet-writer';
import { DEFAULT_RETRY_POLICY, Deadline } from '../bigquery/deadline.js';
import { isAlreadyExists } from '../bigquery/errors.js';
import { getJob, insertLoadJob, type JobSnapshot, waitForJob } from '../bigquery/jobs.js';

/**
 * Replaces a small bookkeeping table of a dataset (reconciliation's running totals, the handled
 * reloads) with `columns`, by one WRITE_TRUNCATE load job whose ID is a hash of the content: a run
 * repeated, or racing with another writer of the same content, inserts the same job and gets 409,
 * and BigQuery runs it once. Load jobs are free and need no `bigquery.jobs.create` on queries.
 */
export async function replaceBookkeepingTable(
  bigquery: BigQuery,
  dataset: string,
  table: string,
  columns: ColumnSource[],
  timeoutMs: number,
): Promise<void> {
  const content = JSON.stringify(columns, (_key, value) =>
    typeof value === 'bigint' ? String(value) : value,
  );
  const jobId = `${table}_${dataset}_${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
  const location = bigquery.location ?? 'US';
  const deadline = new Deadline(Date.now() + timeoutMs);
  let job: JobSnapshot | undefined;
  try {
    job = await insertLoadJob(
      bigquery.dataset(dataset).table(table),
      jobId,
      { sourceFormat: 'PARQUET', writeDisposition: 'WRITE_TRUNCATE', createDisposition: 'CREATE_IF_NEEDED' },
      Readable.from([Buffer.from(parquetWriteBuffer({ columnData: columns }))]),
    );
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    job = await getJob(bigquery, location, jobId);
  }
  if (job && job.state !== 'DONE')
    job = await waitForJob(bigquery, location, jobId, deadline, DEFAULT_RETRY_POLICY);
  if (job?.errorResult) {
    throw new Error(
      `writing ${dataset}.${table} (job ${jobId}) failed: ${job.errorResult.message ?? job.errorResult.reason}`,
    );
  }
}

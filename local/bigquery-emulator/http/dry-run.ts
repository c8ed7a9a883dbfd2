import { BigQueryApiError, JobFailureError } from '../errors.js';
import type { Services } from './context.js';
import type { JobRequest } from './job-request.js';

const statusOfReason: Record<string, number> = { notFound: 404, duplicate: 409 };

/**
 * A dry-run query job: validated and its schema bound, never run and never stored, so its ID is not
 * taken (jobs.get answers 404). BigQuery answers at once with the job resource, DONE, whose
 * statistics carry the schema and the bytes the query would process; an invalid query is an HTTP error.
 */
export async function dryRunJob(
  services: Services,
  request: JobRequest,
  sql: string,
  defaultDatasetId: string | undefined,
) {
  let outcome: Awaited<ReturnType<Services['queries']['dryRun']>>;
  try {
    outcome = await services.queries.dryRun(sql, defaultDatasetId);
  } catch (error) {
    if (!(error instanceof JobFailureError)) throw error;
    throw new BigQueryApiError(statusOfReason[error.reason] ?? 400, error.reason, error.message);
  }
  const now = String(services.clock.now());
  // A dry run reports the bytes the query would process; nothing is billed for it.
  const bytes = outcome.bytes.totalBytesProcessed;
  return {
    kind: 'bigquery#job',
    configuration: { ...request.configuration, jobType: 'QUERY' },
    jobReference: {
      projectId: services.projectId,
      location: request.jobReference?.location ?? services.location,
    },
    status: { state: 'DONE' },
    statistics: {
      creationTime: now,
      startTime: now,
      endTime: now,
      totalBytesProcessed: bytes,
      query: {
        totalBytesProcessed: bytes,
        totalBytesBilled: '0',
        totalBytesProcessedAccuracy: 'PRECISE',
        cacheHit: false,
        statementType: outcome.statementType,
        ...(outcome.schema ? { schema: outcome.schema } : {}),
      },
    },
  };
}

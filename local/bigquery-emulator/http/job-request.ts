import { randomUUID } from 'node:crypto';
import { invalid } from '../errors.js';
import type { LoadConfiguration } from '../load/execute-load.js';
import type { QueryOptions } from '../query/execute.js';
import type { JobReference } from '../store/jobs.js';
import { validJobId } from '../types.js';
import type { Services } from './context.js';
import type { RequestContext } from './router.js';

/** The body of jobs.insert (and the metadata part of an upload). */
export interface JobRequest {
  jobReference?: Partial<JobReference>;
  configuration?: {
    query?: QueryConfiguration;
    load?: LoadConfiguration;
    labels?: Record<string, string>;
    [key: string]: unknown;
  };
}

export interface QueryConfiguration {
  query?: string;
  useLegacySql?: boolean;
  defaultDataset?: { datasetId?: string };
  destinationTable?: { projectId?: string; datasetId?: string; tableId?: string };
  writeDisposition?: string;
  createDisposition?: string;
}

/** The QueryOptions a jobs.insert query configuration asks for. */
export function queryOptions(services: Services, config: QueryConfiguration): QueryOptions {
  const destination = config.destinationTable;
  if (destination?.projectId !== undefined && destination.projectId !== services.projectId) {
    throw invalid(`The BigQuery emulator serves only project ${services.projectId}`);
  }
  return {
    ...(config.defaultDataset?.datasetId ? { defaultDatasetId: config.defaultDataset.datasetId } : {}),
    ...(destination
      ? {
          destination: {
            datasetId: destination.datasetId ?? '',
            tableId: destination.tableId ?? '',
            ...(config.writeDisposition ? { writeDisposition: config.writeDisposition } : {}),
            ...(config.createDisposition ? { createDisposition: config.createDisposition } : {}),
          },
        }
      : {}),
  };
}

export function reference(services: Services, context: RequestContext, request: JobRequest): JobReference {
  const jobId = request.jobReference?.jobId ?? `job_${randomUUID().replaceAll('-', '_')}`;
  if (!validJobId(jobId)) {
    throw invalid(
      `Invalid job ID "${jobId}". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.`,
    );
  }
  const location = request.jobReference?.location ?? context.query.get('location') ?? services.location;
  return { projectId: services.projectId, jobId, location };
}

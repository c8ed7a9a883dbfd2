import type { EmulatorClock } from '../clock.js';
import { duplicate, type JobFailureError, notFound } from '../errors.js';
import type { Labels } from '../types.js';
import type { MetadataStore } from './metadata.js';

export interface JobReference {
  projectId: string;
  jobId: string;
  location: string;
}

export interface JobResource {
  kind: 'bigquery#job';
  id: string;
  selfLink: string;
  user_email: string;
  jobReference: JobReference;
  configuration: { jobType: 'LOAD' | 'QUERY'; labels?: Labels; [key: string]: unknown };
  status: { state: 'PENDING' | 'RUNNING' | 'DONE'; errorResult?: ErrorProto; errors?: ErrorProto[] };
  statistics: { creationTime: string; startTime?: string; endTime?: string; [key: string]: unknown };
}

export interface ErrorProto {
  reason: string;
  message: string;
  location?: string;
}

/** Query results kept with the job for getQueryResults (values already in BigQuery's string form). */
export interface QueryResult {
  schema?: { fields: { name: string; type: string; mode: string }[] };
  rows: (string | null)[][];
  timestampColumns: number[];
}

/** BigQuery spells multi-regions in capitals and regions in lower case; both compare case-insensitively. */
export const normalizeLocation = (location: string): string =>
  /^(us|eu)$/i.test(location) ? location.toUpperCase() : location.toLowerCase();

/**
 * Job resources by project + location + ID. IDs are never released: a failed job keeps its ID, as in
 * BigQuery, and the store is persisted so a file-backed warehouse remembers them across restarts.
 */
export class JobStore {
  private readonly jobs = new Map<string, JobResource>();
  private readonly results = new Map<string, QueryResult>();
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(
    private readonly metadata: MetadataStore,
    readonly defaultLocation: string,
    /** Job times come from the emulator's clock; the states' real waits do not (runner.ts). */
    private readonly clock: EmulatorClock,
  ) {}

  async init(): Promise<void> {
    for (const [key, job] of await this.metadata.load<JobResource>('jobs')) {
      // A job interrupted by a restart would never finish: end it the way BigQuery reports lost work.
      if (job.status.state !== 'DONE') {
        job.status = {
          state: 'DONE',
          errorResult: { reason: 'backendError', message: 'Job interrupted by an emulator restart' },
        };
      }
      this.jobs.set(key, job);
    }
  }

  private static key(projectId: string, location: string, jobId: string): string {
    return `${projectId}:${normalizeLocation(location)}.${jobId}`;
  }

  create(reference: JobReference, configuration: JobResource['configuration']): JobResource {
    const location = normalizeLocation(reference.location);
    const key = JobStore.key(reference.projectId, location, reference.jobId);
    if (this.jobs.has(key)) throw duplicate(`Job ${key}`);
    const job: JobResource = {
      kind: 'bigquery#job',
      id: key,
      selfLink: `/bigquery/v2/projects/${reference.projectId}/jobs/${reference.jobId}?location=${location}`,
      user_email: 'emulator@localhost',
      jobReference: { projectId: reference.projectId, jobId: reference.jobId, location },
      configuration,
      status: { state: 'PENDING' },
      statistics: { creationTime: String(this.clock.now()) },
    };
    this.jobs.set(key, job);
    this.metadata.putJob(key, job);
    return job;
  }

  /** Looks a job up; without a location, any location holding that ID (the default one first). */
  get(projectId: string, jobId: string, location?: string): JobResource {
    const direct = this.jobs.get(JobStore.key(projectId, location ?? this.defaultLocation, jobId));
    const job =
      direct ??
      (location === undefined ? this.list(projectId).find((j) => j.jobReference.jobId === jobId) : undefined);
    if (job === undefined) {
      throw notFound(`Job ${projectId}:${normalizeLocation(location ?? this.defaultLocation)}.${jobId}`);
    }
    return job;
  }

  /** Newest first, as jobs.list returns them. */
  list(projectId: string): JobResource[] {
    return [...this.jobs.values()]
      .filter((job) => job.jobReference.projectId === projectId)
      .sort((a, b) => Number(b.statistics.creationTime) - Number(a.statistics.creationTime));
  }

  start(job: JobResource): void {
    if (job.status.state !== 'PENDING') return;
    job.status = { state: 'RUNNING' };
    job.statistics.startTime = String(this.clock.now());
    this.metadata.putJob(job.id, job);
  }

  finish(
    job: JobResource,
    outcome: { statistics?: Record<string, unknown>; failure?: JobFailureError },
  ): void {
    job.statistics.startTime ??= String(this.clock.now());
    job.statistics.endTime = String(this.clock.now());
    Object.assign(job.statistics, outcome.statistics);
    if (outcome.failure) {
      const error: ErrorProto = { reason: outcome.failure.reason, message: outcome.failure.message };
      if (outcome.failure.location !== undefined) error.location = outcome.failure.location;
      const details = outcome.failure.details.map((message) => ({ reason: error.reason, message }));
      job.status = { state: 'DONE', errorResult: error, errors: [error, ...details] };
    } else {
      job.status = { state: 'DONE' };
    }
    this.metadata.putJob(job.id, job);
    for (const wake of this.waiters.get(job.id) ?? []) wake();
    this.waiters.delete(job.id);
  }

  /** Resolves when the job is DONE or after `timeoutMs`, whichever comes first. */
  async waitUntilDone(job: JobResource, timeoutMs: number): Promise<void> {
    if (job.status.state === 'DONE') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.set(job.id, [...(this.waiters.get(job.id) ?? []), wake]);
    });
  }

  setResult(job: JobResource, result: QueryResult): void {
    this.results.set(job.id, result);
  }

  result(job: JobResource): QueryResult | undefined {
    return this.results.get(job.id);
  }
}

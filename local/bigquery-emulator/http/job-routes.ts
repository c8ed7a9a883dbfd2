import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BigQueryApiError, invalid } from '../errors.js';
import type { JobResource } from '../store/jobs.js';
import { checkProject } from './catalog-routes.js';
import { page, type Services } from './context.js';
import { dryRunJob } from './dry-run.js';
import { type JobRequest, type QueryConfiguration, queryOptions, reference } from './job-request.js';
import { MultipartToFile, multipartBoundary } from './multipart.js';
import { formatFromQueryString, resultPage, type TimestampFormat, throwIfFailed } from './query-results.js';
import { startResumableUpload } from './resumable.js';
import { type Router, readJson } from './router.js';

function checkQuery(config: QueryConfiguration): string {
  if (config.useLegacySql === true)
    throw invalid('The BigQuery emulator supports only GoogleSQL (useLegacySql: false)');
  if (typeof config.query !== 'string') throw invalid('Required parameter is missing: query');
  return config.query;
}

const jobListEntry = (job: JobResource) => ({
  id: job.id,
  kind: job.kind,
  jobReference: job.jobReference,
  state: job.status.state,
  configuration: job.configuration,
  status: job.status,
  statistics: job.statistics,
  user_email: job.user_email,
});

export function addJobRoutes(router: Router, services: Services): void {
  const { jobs, runner } = services;
  const base = '/bigquery/v2/projects/{projectId}';

  router.add('POST', `${base}/jobs`, async (context) => {
    checkProject(services, context);
    const request = (await readJson(context.req)) as JobRequest;
    const jobReference = reference(services, context, request);
    const query = request.configuration?.query;
    if (query === undefined) {
      throw invalid(
        'The BigQuery emulator runs query jobs through jobs.insert; load jobs only by upload (/upload/bigquery/v2/…)',
      );
    }
    const sql = checkQuery(query);
    const options = queryOptions(services, query);
    if (request.configuration?.dryRun === true) {
      return { status: 200, body: await dryRunJob(services, request, sql, options.defaultDatasetId) };
    }
    const job = jobs.create(jobReference, { ...request.configuration, jobType: 'QUERY' });
    runner.submitQuery(job, sql, options, context.injectJobFailure);
    return { status: 200, body: job };
  });

  router.add('POST', '/upload/bigquery/v2/projects/{projectId}/jobs', async (context) => {
    checkProject(services, context);
    if (context.query.get('uploadType') === 'resumable') return startResumableUpload(services, context);
    if (context.query.get('uploadType') !== 'multipart') {
      throw invalid(
        `The BigQuery emulator accepts uploadType=multipart or resumable, not ${context.query.get('uploadType')}`,
      );
    }
    const boundary = multipartBoundary(context.req.headers['content-type']);
    if (boundary === undefined) throw invalid('Expected a multipart/related body with a boundary');
    const filePath = join(services.uploadDir, `upload-${randomUUID()}.parquet`);
    const parser = new MultipartToFile(boundary, filePath);
    try {
      await pipeline(context.req, parser);
      const request = JSON.parse(parser.metadata) as JobRequest;
      const load = request.configuration?.load;
      if (load === undefined) throw invalid('An upload must carry configuration.load');
      const job = jobs.create(reference(services, context, request), {
        ...request.configuration,
        jobType: 'LOAD',
      });
      runner.submitLoad(job, load, filePath, parser.fileBytes, context.injectJobFailure);
      return { status: 200, body: job };
    } catch (error) {
      await rm(filePath, { force: true });
      if (error instanceof BigQueryApiError) throw error;
      throw invalid(`Malformed upload: ${(error as Error).message}`);
    }
  });

  router.add('GET', `${base}/jobs`, async (context) => {
    checkProject(services, context);
    const states = context.query.getAll('stateFilter').map((state) => state.toUpperCase());
    // BigQuery: "only jobs created after or at [minCreationTime] / before or at [maxCreationTime]".
    const min = Number(context.query.get('minCreationTime') ?? Number.NEGATIVE_INFINITY);
    const max = Number(context.query.get('maxCreationTime') ?? Number.POSITIVE_INFINITY);
    const all = jobs
      .list(services.projectId)
      .filter((job) => states.length === 0 || states.includes(job.status.state))
      .filter((job) => {
        const created = Number(job.statistics.creationTime);
        return created >= min && created <= max;
      });
    const { items, nextPageToken } = page(all, context.query);
    return {
      status: 200,
      body: {
        kind: 'bigquery#jobList',
        jobs: items.map(jobListEntry),
        ...(nextPageToken ? { nextPageToken } : {}),
      },
    };
  });

  router.add('GET', `${base}/jobs/{jobId}`, async (context) => {
    checkProject(services, context);
    return {
      status: 200,
      body: jobs.get(
        services.projectId,
        context.params.jobId ?? '',
        context.query.get('location') ?? undefined,
      ),
    };
  });

  router.add('POST', `${base}/jobs/{jobId}/cancel`, async (context) => {
    checkProject(services, context);
    const job = jobs.get(
      services.projectId,
      context.params.jobId ?? '',
      context.query.get('location') ?? undefined,
    );
    // Jobs here finish within moments; like BigQuery, cancel is best effort and returns the job as it is.
    return { status: 200, body: { kind: 'bigquery#jobCancelResponse', job } };
  });

  router.add('POST', `${base}/queries`, async (context) => {
    checkProject(services, context);
    const request = await readJson(context.req);
    const sql = checkQuery(request as QueryConfiguration);
    const location = typeof request.location === 'string' ? request.location : undefined;
    if (request.dryRun === true) {
      const defaultDatasetId = (request.defaultDataset as { datasetId?: string } | undefined)?.datasetId;
      const job = await dryRunJob(
        services,
        { jobReference: location ? { location } : {} },
        sql,
        defaultDatasetId,
      );
      const query = job.statistics.query;
      return {
        status: 200,
        body: {
          kind: 'bigquery#queryResponse',
          jobReference: job.jobReference,
          jobComplete: true,
          cacheHit: false,
          totalBytesProcessed: query.totalBytesProcessed,
          ...(query.schema ? { schema: query.schema } : {}),
        },
      };
    }
    const jobReference = reference(services, context, { jobReference: location ? { location } : {} });
    const labels = request.labels as Record<string, string> | undefined;
    const job = jobs.create(jobReference, {
      jobType: 'QUERY',
      query: { query: sql, useLegacySql: false },
      ...(labels ? { labels } : {}),
    });
    const defaultDataset = (request.defaultDataset as { datasetId?: string } | undefined)?.datasetId;
    runner.submitQuery(
      job,
      sql,
      defaultDataset ? { defaultDatasetId: defaultDataset } : {},
      context.injectJobFailure,
    );
    await jobs.waitUntilDone(job, Number(request.timeoutMs ?? 10_000));
    return {
      status: 200,
      body: queryResponse(
        services,
        job,
        0,
        request.maxResults as number | undefined,
        (request.formatOptions ?? {}) as TimestampFormat,
      ),
    };
  });

  router.add('GET', `${base}/queries/{jobId}`, async (context) => {
    checkProject(services, context);
    const job = jobs.get(
      services.projectId,
      context.params.jobId ?? '',
      context.query.get('location') ?? undefined,
    );
    await jobs.waitUntilDone(job, Number(context.query.get('timeoutMs') ?? 10_000));
    const start = Number(context.query.get('pageToken') ?? context.query.get('startIndex') ?? 0) || 0;
    const max = context.query.get('maxResults');
    const body = queryResponse(
      services,
      job,
      start,
      max === null ? undefined : Number(max),
      formatFromQueryString(context.query),
    );
    return { status: 200, body: { ...body, kind: 'bigquery#getQueryResultsResponse' } };
  });
}

function queryResponse(
  services: Services,
  job: JobResource,
  start: number,
  max: number | undefined,
  format: TimestampFormat,
) {
  const common = { kind: 'bigquery#queryResponse', jobReference: job.jobReference };
  if (job.status.state !== 'DONE') return { ...common, jobComplete: false };
  throwIfFailed(job);
  const statistics = job.statistics.query as Record<string, unknown> | undefined;
  return {
    ...common,
    jobComplete: true,
    cacheHit: false,
    totalBytesProcessed: String(statistics?.totalBytesProcessed ?? '0'),
    ...resultPage(services.jobs.result(job), { start, ...(max === undefined ? {} : { max }), format }),
    ...(statistics?.ddlOperationPerformed ? { ddlOperationPerformed: statistics.ddlOperationPerformed } : {}),
  };
}

import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { invalid, notFound } from '../errors.js';
import type { InjectedJobFailure } from '../faults.js';
import type { LoadConfiguration } from '../load/execute-load.js';
import { checkProject } from './catalog-routes.js';
import type { Services } from './context.js';
import { type JobRequest, reference } from './job-request.js';
import { type Reply, type RequestContext, type Router, readJson } from './router.js';

interface Session {
  request: JobRequest;
  load: LoadConfiguration;
  filePath: string;
  received: number;
  injectJobFailure: InjectedJobFailure | undefined;
}

const sessions = new WeakMap<Services, Map<string, Session>>();
const sessionsOf = (services: Services): Map<string, Session> => {
  const map = sessions.get(services) ?? new Map<string, Session>();
  sessions.set(services, map);
  return map;
};

/**
 * `POST …/jobs?uploadType=resumable` with the job JSON opens a session; its URL comes back in
 * `Location`. The @google-cloud/bigquery client never uploads this way (createWriteStream is
 * multipart); other tools (bq, gcloud libraries in other languages) do.
 */
export async function startResumableUpload(services: Services, context: RequestContext): Promise<Reply> {
  const request = (await readJson(context.req)) as JobRequest;
  const load = request.configuration?.load;
  if (load === undefined) throw invalid('An upload must carry configuration.load');
  reference(services, context, request);
  const uploadId = randomUUID();
  const filePath = join(services.uploadDir, `resumable-${uploadId}.parquet`);
  sessionsOf(services).set(uploadId, {
    request,
    load,
    filePath,
    received: 0,
    injectJobFailure: context.injectJobFailure,
  });
  const host = context.req.headers.host ?? 'localhost';
  const location = `http://${host}/upload/bigquery/v2/projects/${services.projectId}/jobs?uploadType=resumable&upload_id=${uploadId}`;
  context.res.setHeader('Location', location);
  return { status: 200 };
}

/** `Content-Range: bytes a-b/total`, a status query with `*` for a-b, or none (the whole file at once). */
function parseRange(header: string | undefined): { start?: number; total?: number } {
  if (header === undefined) return {};
  const match = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header.trim());
  if (!match) throw invalid(`Malformed Content-Range: ${header}`);
  return {
    ...(match[1] === undefined ? {} : { start: Number(match[1]) }),
    ...(match[2] === '*' ? {} : { total: Number(match[2]) }),
  };
}

export function addResumableRoutes(router: Router, services: Services): void {
  router.add('PUT', '/upload/bigquery/v2/projects/{projectId}/jobs', async (context) => {
    checkProject(services, context);
    const uploadId = context.query.get('upload_id') ?? '';
    const session = sessionsOf(services).get(uploadId);
    if (session === undefined) throw notFound(`Upload session ${uploadId}`);
    const range = parseRange(context.req.headers['content-range']);
    if (range.start !== undefined && range.start !== session.received) {
      throw invalid(`Chunk starts at byte ${range.start}, but ${session.received} bytes were received`);
    }
    let bytes = 0;
    context.req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await pipeline(context.req, createWriteStream(session.filePath, { flags: 'a' }));
    session.received += bytes;
    const complete = context.req.headers['content-range'] === undefined || range.total === session.received;
    if (!complete) {
      if (session.received > 0) context.res.setHeader('Range', `bytes=0-${session.received - 1}`);
      return { status: 308 };
    }
    sessionsOf(services).delete(uploadId);
    try {
      const job = services.jobs.create(reference(services, context, session.request), {
        ...session.request.configuration,
        jobType: 'LOAD',
      });
      services.runner.submitLoad(
        job,
        session.load,
        session.filePath,
        session.received,
        session.injectJobFailure,
      );
      return { status: 200, body: job };
    } catch (error) {
      await rm(session.filePath, { force: true });
      throw error;
    }
  });
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import { jobIdForGeneration } from '../../lambdas/shared/bigquery/job-id.js';
import { loadConfiguration } from '../../lambdas/shared/bigquery/load-config.js';
import { LoadJobFailedError, loadFileOnce } from '../../lambdas/shared/bigquery/load-file.js';
import { betsRoute, dmsParquet } from './fixtures.js';

/**
 * A failed load job whose errors leave out `reason` or `message`. BigQuery's ErrorProto has four
 * string fields (reason, location, debugInfo, message) and its JSON leaves out those it does not
 * set; the emulator always sets both, so this test answers jobs.get and the upload from a minimal
 * HTTP server of its own: the job is unknown until uploaded, then DONE with such errors.
 */

const PROJECT = 'p';
const BASE_JOB_ID = 'dms2bq_edges_no_reason';
const JOB_ID = jobIdForGeneration(BASE_JOB_ID, 0);

describe('loadFileOnce with a failed job whose errors lack reason and message', () => {
  let server: Server;
  let url: string;
  let uploaded = false;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const json = (status: number, body: unknown) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        };
        const job = {
          jobReference: { projectId: PROJECT, jobId: JOB_ID, location: 'EU' },
          status: { state: 'DONE', errorResult: {}, errors: [{}, { message: 'Column bet_id is missing' }] },
          statistics: { creationTime: String(Date.now()) },
        };
        if (request.method === 'POST' && request.url?.startsWith('/upload/')) {
          uploaded = true;
          json(200, job);
        } else if (request.method === 'GET' && request.url?.includes(`/jobs/${JOB_ID}`) && uploaded) {
          json(200, job);
        } else {
          json(404, {
            error: {
              code: 404,
              message: `Not found: Job ${PROJECT}:EU.${JOB_ID}`,
              errors: [{ reason: 'notFound' }],
            },
          });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));

  it('fails with reason jobFailed and says what is missing', async () => {
    // Prepare
    const bigquery = createBigQueryClient({
      projectId: PROJECT,
      location: 'EU',
      credentials: { kind: 'none' },
      apiEndpoint: url,
      retryOptions: { autoRetry: false },
    });
    const file = dmsParquet({ rows: 1 });

    // Act
    const loading = loadFileOnce({
      bigquery,
      location: 'EU',
      dataset: betsRoute.dataset,
      table: 'bets',
      baseJobId: BASE_JOB_ID,
      configuration: loadConfiguration({ ...betsRoute, targetTable: 'bets' }),
      openBody: async () => Readable.from([Buffer.from(file)]),
      deadline: new Deadline(Date.now() + 20_000),
      retry: { baseDelayMs: 10, maxDelayMs: 100 },
    });

    // Assess
    const error = await loading.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LoadJobFailedError);
    expect(error).toMatchObject({
      jobId: JOB_ID,
      reason: 'jobFailed',
      permanent: false,
      message: `load job ${JOB_ID} failed: error: (no message); error: Column bet_id is missing`,
    });
  });
});

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmulatorFixture,
  freshDataset,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  waitForJob,
} from './helpers.js';

describe('BigQuery emulator resumable upload (raw HTTP: the Node client only uploads multipart)', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('loads a file sent in two chunks, answering 308 until the last', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const jobId = uniqueJobId('resumable');
    const file = await readFile(await parquetFile(fixture, 'SELECT range::BIGINT AS id FROM range(100)'));
    const half = Math.floor(file.length / 2);
    const start = await fetch(
      `${fixture.emulator.url}/upload/bigquery/v2/projects/local-project/jobs?uploadType=resumable`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          jobReference: { jobId, location: 'US' },
          configuration: {
            load: {
              sourceFormat: 'PARQUET',
              destinationTable: { projectId: 'local-project', datasetId, tableId: 't' },
            },
          },
        }),
      },
    );
    const session = start.headers.get('location') ?? '';

    // Act
    const first = await fetch(session, {
      method: 'PUT',
      headers: { 'Content-Range': `bytes 0-${half - 1}/${file.length}` },
      body: file.subarray(0, half),
    });
    const last = await fetch(session, {
      method: 'PUT',
      headers: { 'Content-Range': `bytes ${half}-${file.length - 1}/${file.length}` },
      body: file.subarray(half),
    });

    // Assess
    expect([start.status, first.status, first.headers.get('range'), last.status]).toEqual([
      200,
      308,
      `bytes=0-${half - 1}`,
      200,
    ]);
    const job = await waitForJob(fixture.bigquery.job(jobId, { location: 'US' }));
    expect(job.statistics?.load).toMatchObject({ outputRows: '100', inputFileBytes: String(file.length) });
  });
});

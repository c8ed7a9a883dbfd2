import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery, type Job, type JobMetadata, type Table } from '@google-cloud/bigquery';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import {
  type BigQueryEmulator,
  type BigQueryEmulatorOptions,
  startBigQueryEmulator,
} from '../../local/bigquery-emulator/index.js';

export interface EmulatorFixture {
  emulator: BigQueryEmulator;
  bigquery: BigQuery;
  dir: string;
  stop(): Promise<void>;
}

/** An emulator on a free port with a production client pointed at it, and a temp dir for files. */
export async function startEmulatorFixture(options: BigQueryEmulatorOptions = {}): Promise<EmulatorFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'bq-emulator-test-'));
  // The time rules are stated, never taken from the shell running the tests: the machine's time and
  // no schema propagation delay unless a test asks for them (ADR 0027, 0028).
  const emulator = await startBigQueryEmulator({
    jobStateDelayMs: 10,
    clock: new EmulatorClock(),
    schemaPropagationSeconds: 0,
    ...options,
  });
  const bigquery = new BigQuery(emulator.clientOptions);
  return {
    emulator,
    bigquery,
    dir,
    stop: async () => {
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let fileCounter = 0;

/** Writes the rows of a DuckDB SELECT as a Parquet file in the fixture's dir and returns its path. */
export async function parquetFile(fixture: EmulatorFixture, select: string): Promise<string> {
  fileCounter += 1;
  const path = join(fixture.dir, `fixture-${fileCounter}.parquet`);
  await fixture.emulator.query(`COPY (${select}) TO '${path}' (FORMAT PARQUET)`);
  return path;
}

/** A unique dataset per test, so tests sharing an emulator never see each other's tables. */
let datasetCounter = 0;
export async function freshDataset(fixture: EmulatorFixture): Promise<string> {
  datasetCounter += 1;
  const id = `ds_${process.pid}_${datasetCounter}`;
  await fixture.bigquery.createDataset(id);
  return id;
}

/** The load options the loader uses (see the issue), minus what a test varies. */
export const loaderLoadOptions = {
  sourceFormat: 'PARQUET',
  writeDisposition: 'WRITE_APPEND',
  createDisposition: 'CREATE_IF_NEEDED',
  schemaUpdateOptions: ['ALLOW_FIELD_ADDITION', 'ALLOW_FIELD_RELAXATION'],
  decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC', 'STRING'],
} as const;

let jobCounter = 0;
export const uniqueJobId = (prefix = 'job'): string => {
  jobCounter += 1;
  return `${prefix}_${process.pid}_${jobCounter}`;
};

/** Uploads a file the way the loader does (createWriteStream), then polls jobs.get until DONE. */
export async function uploadAndWait(
  table: Table,
  path: string,
  metadata: Record<string, unknown>,
): Promise<JobMetadata> {
  const job = await new Promise<Job>((resolve, reject) => {
    const stream = table.createWriteStream(metadata as never);
    stream.on('job', resolve);
    stream.on('error', reject);
    createReadStream(path).pipe(stream);
  });
  return waitForJob(job);
}

export async function waitForJob(job: Job): Promise<JobMetadata> {
  for (;;) {
    const [metadata] = await job.getMetadata();
    if (metadata.status?.state === 'DONE') return metadata;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The HTTP status and first `errors[].reason` of an error thrown by the BigQuery client. */
export const apiError = (error: unknown) => {
  const { code, errors } = error as { code?: number; errors?: { reason?: string }[] };
  return { code, reason: errors?.[0]?.reason };
};

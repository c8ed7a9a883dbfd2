import { describe, expect, it } from 'vitest';
import { processFile } from '../../lambdas/loader/process-file.js';
import { Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import { dmsParquet } from './fixtures.js';
import { withFooterRowCount } from './footer-row-count.js';
import { published, useProcessFileFixture } from './process-file-fixture.js';

const plenty = () => new Deadline(Date.now() + 60_000);
/** The newest `_dms_timestamp` of `dmsParquet({ rows: 3 })`: its third row, one second apart from 01:43:03. */
const NEWEST_CHANGE = Date.parse('2024-03-27T01:43:05.000Z');

/**
 * The lines operators read in CloudWatch (docs/runbooks/, docs/operations.md) and the figures of the
 * loader's metrics, as processFile prints them for each thing that happens to a file.
 */
describe('processFile log lines and figures', { timeout: 60_000 }, () => {
  const fixture = useProcessFileFixture();
  const lines = (message: string) => fixture.logs.filter((line) => line.message === message);

  it('logs a loaded file with its table, key, job, rows and bytes, and times it on the loader’s clock', async () => {
    // Prepare: the loader's clock reads 118.75 s after the newest change, then 1.25 s later.
    const route = fixture.route('loaded_line');
    const body = dmsParquet({ rows: 3, firstChangeSeq: 10n });
    const landed = await fixture.land(route, body);
    let looks = 0;
    const now = () => NEWEST_CHANGE + 118_750 + 1_250 * looks++;

    // Act
    const outcome = await processFile(landed, fixture.deps(route, { now }), plenty());

    // Assess
    const jobId = fixture.jobId(route, landed, landed.etag);
    expect(outcome).toEqual({ outcome: 'loaded', jobId, rows: 3, freshnessMs: 120_000 });
    expect(published(fixture.emf, 'LoadDuration')).toEqual([1_250]);
    expect(published(fixture.emf, 'Freshness')).toEqual([120_000]);
    expect(lines('file loaded')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        source: 'casino_a',
        table: route.targetTable,
        key: landed.key,
        jobId,
        generation: 0,
        rows: 3,
        bytes: body.length,
        dmsTimestamp: { min: '2024-03-27 01:43:03.000000', max: '2024-03-27 01:43:05.000000' },
        changeSeq: { min: '10'.padStart(35, '0'), max: '12'.padStart(35, '0') },
      }),
    ]);
  });

  it('logs a duplicate delivery with its table, key and the job that loaded the file', async () => {
    // Prepare
    const route = fixture.route('duplicate_line');
    const landed = await fixture.land(route, dmsParquet({ rows: 3 }));
    const deps = fixture.deps(route);
    await processFile(landed, deps, plenty());
    fixture.logs.length = 0;

    // Act
    const outcome = await processFile(landed, deps, plenty());

    // Assess
    const jobId = fixture.jobId(route, landed, landed.etag);
    expect(outcome).toEqual({ outcome: 'duplicate', jobId, rows: 3 });
    expect(lines('file already loaded; duplicate delivery acknowledged')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        source: 'casino_a',
        table: route.targetTable,
        key: landed.key,
        jobId,
      }),
    ]);
  });

  it('logs an error naming the key, the job and both counts when BigQuery loads other than the footer’s count', async () => {
    // Prepare: the footer says 8 rows, its one row group holds 7 (docs/runbooks/row-count-mismatch.md).
    const route = fixture.route('mismatch_line');
    const landed = await fixture.land(route, withFooterRowCount(dmsParquet({ rows: 7 }), 7, 8));

    // Act
    const outcome = await processFile(landed, fixture.deps(route), plenty());

    // Assess: the load is acknowledged; the line is what the runbook's filter finds.
    const jobId = fixture.jobId(route, landed, landed.etag);
    expect(outcome).toMatchObject({ outcome: 'loaded', jobId, rows: 8 });
    expect(lines('loaded row count differs from the Parquet footer')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        source: 'casino_a',
        table: route.targetTable,
        key: landed.key,
        jobId,
        outputRows: 7,
        footerRows: 8,
      }),
    ]);
    expect(published(fixture.emf, 'RowCountMismatches')).toEqual([1]);
  });

  it('logs each load job it starts at debug level with its job ID and generation', async () => {
    // Prepare
    const route = fixture.route('insert_line');
    const landed = await fixture.land(route, dmsParquet({ rows: 2 }));

    // Act
    await processFile(landed, fixture.deps(route), plenty());

    // Assess
    expect(lines('starting load job')).toEqual([
      expect.objectContaining({
        level: 'DEBUG',
        source: 'casino_a',
        table: route.targetTable,
        key: landed.key,
        jobId: fixture.jobId(route, landed, landed.etag),
        generation: 0,
      }),
    ]);
  });

  it('warns of a transient failure with what is retried, the attempt and the error’s own message', async () => {
    // Prepare: BigQuery answers the first job lookup 503.
    const route = fixture.route('retry_line');
    const landed = await fixture.land(route, dmsParquet({ rows: 2 }));
    fixture.emulator.faults.failNext({ method: 'GET', path: '/jobs/', status: 503, reason: 'backendError' });

    // Act
    const outcome = await processFile(landed, fixture.deps(route), plenty());

    // Assess
    const jobId = fixture.jobId(route, landed, landed.etag);
    expect(outcome).toMatchObject({ outcome: 'loaded', jobId });
    expect(lines('transient failure, retrying')).toEqual([
      expect.objectContaining({
        level: 'WARN',
        source: 'casino_a',
        table: route.targetTable,
        key: landed.key,
        what: `look up ${jobId}`,
        attempt: 0,
        error: 'Error encountered during execution. Retrying may solve the problem.',
      }),
    ]);
  });

  it('logs a job another worker inserted first, by its ID', async () => {
    // Prepare: the upload meets 409 Already Exists, as when a racing delivery inserted the job.
    const route = fixture.route('race_line');
    const landed = await fixture.land(route, dmsParquet({ rows: 2 }));
    fixture.emulator.faults.failNext({ method: 'POST', path: '/upload/', status: 409, reason: 'duplicate' });

    // Act
    const outcome = await processFile(landed, fixture.deps(route), plenty());

    // Assess
    const jobId = fixture.jobId(route, landed, landed.etag);
    expect(outcome).toMatchObject({ outcome: 'loaded', jobId });
    expect(lines('job inserted concurrently by another worker; looking it up')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        source: 'casino_a',
        table: route.targetTable,
        key: landed.key,
        jobId,
      }),
    ]);
  });

  it('warns of a failed load job with its ID, whose it was, and BigQuery’s reason and message', async () => {
    // Prepare: the first job ends in backendError; the next generation loads the file.
    const route = fixture.route('failed_job_line');
    const landed = await fixture.land(route, dmsParquet({ rows: 2 }));
    fixture.emulator.faults.failJob({ times: 1 });

    // Act
    const outcome = await processFile(landed, fixture.deps(route), plenty());

    // Assess
    expect(outcome).toMatchObject({ outcome: 'loaded', jobId: fixture.jobId(route, landed, landed.etag, 1) });
    expect(fixture.logs.filter((line) => line.level === 'WARN')).toEqual([
      expect.objectContaining({
        message: 'load job failed; BigQuery keeps its ID, so only a retryable failure gets a next generation',
        source: 'casino_a',
        table: route.targetTable,
        key: landed.key,
        jobId: fixture.jobId(route, landed, landed.etag, 0),
        ours: true,
        reason: 'backendError',
        error: 'Error encountered during execution. Retrying may solve the problem.',
      }),
    ]);
  });
});

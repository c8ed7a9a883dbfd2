import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CurrentDeliveryDeps,
  deliverToCurrentTable,
  type FileAge,
  fileAge,
  STREAM_SAFE_AGE_MS,
} from '../../lambdas/loader/current-delivery.js';
import { createCurrentTableSink } from '../../lambdas/loader/current-table/index.js';
import { CURRENT_TABLE_RUNBOOK, type CurrentTableSink } from '../../lambdas/loader/current-table-sink.js';
import { LoaderMetrics } from '../../lambdas/loader/metrics.js';
import type { StreamCurrentFile } from '../../lambdas/loader/stream-current.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { emulatorClockWaits } from '../support/propagation-waits.js';
import { deliver, duckdbParquet, tableRoute, tableRouting } from './current-table-helpers.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, PROJECT, startLoaderHarness } from './harness.js';

/**
 * deliverToCurrentTable on its own (ADR 0041, 0042): which way a file goes by its age, what a heal
 * and a `_current` still a view log, and the per-client memory of tables known not to be views.
 * The changelog `bets` is loaded once by the real loader; each test calls the step directly, on a
 * fresh BigQuery client so that memory starts empty.
 */
const HOUR = 3_600_000;
const NOW = Date.UTC(2024, 2, 30);
const routeOf = (table: string): Route => ({ ...tableRoute, table, targetTable: table });

/**
 * A file message asking for a row group its footer does not have: the stream refuses it before
 * reading anything (INVALID_DATA), so a rejection with that code says "streamed, not healed".
 */
const file = (route: Route = tableRoute): StreamCurrentFile => ({
  route,
  bucket: 'unused',
  key: `casino_a/game/${route.table}/file.parquet`,
  etag: 'abc123',
  size: 0,
  tail: new Uint8Array(),
  columns: ['Op', '_dms_timestamp', '_dms_change_seq', 'id', 'name'],
  rowGroupSizes: [],
  rowGroups: { start: 0, end: 1 },
});
const streamed = { code: 'INVALID_DATA' };

const seq = (n: number) => `2024032701430${n}00${String(n).padStart(19, '0')}`;
const change = (n: number, id: number) =>
  `('I', '2024-03-27 01:43:0${n}.000000', '${seq(n)}', CAST(${id} AS BIGINT), 'n${id}')`;
const select = (rows: string[]) =>
  `SELECT * FROM (VALUES ${rows.join(', ')}) AS t("Op", _dms_timestamp, _dms_change_seq, id, name)`;
/** The second file's `_dms_timestamp` range: only key 4 is in it. */
const secondFile = { min: '2024-03-27 01:43:02.000000', max: '2024-03-27 01:43:02.000000' };

describe('delivering a file to the current table', { timeout: 120_000 }, () => {
  let h: LoaderHarness;
  let lines: Record<string, unknown>[];
  const sinks: CurrentTableSink[] = [];

  beforeAll(async () => {
    h = await startLoaderHarness({ currentTables: true, loader: { routing: tableRouting } });
    const first = await duckdbParquet(h.emulator, select([change(1, 1), change(1, 2), change(1, 3)]));
    expect(await deliver(h, cdcKeyAt(1), first)).toEqual([]);
    expect(await deliver(h, cdcKeyAt(2), await duckdbParquet(h.emulator, select([change(2, 4)])))).toEqual(
      [],
    );
    await h.bigquery
      .dataset(tableRoute.dataset)
      .createTable('viewed_current', { view: { query: 'SELECT 1 AS id', useLegacySql: false } });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  });

  afterAll(async () => {
    await h?.stop();
  });

  const client = (): BigQuery =>
    createBigQueryClient({
      projectId: PROJECT,
      location: LOCATION,
      credentials: { kind: 'none' },
      apiEndpoint: h.emulator.url,
      retryOptions: { autoRetry: false },
    });

  /** The step's deps on a fresh client, its log lines (INFO and up) captured as parsed JSON. */
  const depsOn = (bigquery: BigQuery = client()): CurrentDeliveryDeps => {
    lines = [];
    process.env.POWERTOOLS_DEV = 'true';
    for (const level of ['info', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation((line: unknown) => {
        lines.push(JSON.parse(String(line)) as Record<string, unknown>);
      });
    }
    const logger = new Logger({ serviceName: 'dms2bq-loader-test', logLevel: 'INFO' });
    delete process.env.POWERTOOLS_DEV;
    return {
      bigquery,
      location: LOCATION,
      currentTables: async () => {
        const sink = createCurrentTableSink({
          bigquery,
          s3: h.aws.s3,
          logger: new Logger({ logLevel: 'SILENT' }),
          streamer: { clientOptions: h.emulator.storageWrite?.clientOptions ?? {} },
          propagation: emulatorClockWaits(() => h.emulator.clock),
        });
        sinks.push(sink);
        return sink;
      },
      logger,
      metrics: new LoaderMetrics(new Metrics({ namespace: 'dms2bq-test' })),
      now: () => NOW,
      rangeLimits: { maxRows: 250_000, maxBytes: 128 * 1024 * 1024 },
      continueBeforeMs: 1_000,
    };
  };
  const run = (deps: CurrentDeliveryDeps, age: FileAge, route?: Route) =>
    deliverToCurrentTable(file(route), age, deps, new Deadline(Date.now() + 60_000), {
      baseDelayMs: 20,
      maxDelayMs: 200,
    });
  const logged = (message: string) => lines.filter((line) => line.message === message);

  it('fileAge keeps only what the loader learned of the file', () => {
    const lastModified = new Date(NOW);
    const timestamps = { min: '2024-03-27 01:43:01', max: '2024-03-27 01:43:02' };

    expect(fileAge(undefined, undefined, undefined)).toStrictEqual({});
    expect(fileAge(lastModified, 5, timestamps)).toStrictEqual({
      lastModified,
      firstLoadedAt: 5,
      timestamps,
    });
    expect(Object.keys(fileAge(lastModified, undefined, undefined))).toEqual(['lastModified']);
    expect(Object.keys(fileAge(undefined, 5, undefined))).toEqual(['firstLoadedAt']);
  });

  it('streams a file younger than a day and heals one exactly a day old', async () => {
    // Prepare
    const deps = depsOn();

    // Act / Assess: on the loader's clock, a day old is too old (BigQuery keeps a DELETE two days).
    await expect(run(deps, { lastModified: new Date(NOW - STREAM_SAFE_AGE_MS + 1) })).rejects.toMatchObject(
      streamed,
    );
    expect(await run(deps, { lastModified: new Date(NOW - STREAM_SAFE_AGE_MS) })).toBe('healed');
  });

  it('streams a file whose only time is not a time, as one with no time at all', async () => {
    // Prepare
    const deps = depsOn();

    // Act / Assess
    await expect(run(deps, { lastModified: new Date(Number.NaN) })).rejects.toMatchObject(streamed);
    await expect(run(deps, { firstLoadedAt: Number.NaN })).rejects.toMatchObject(streamed);
    await expect(run(deps, {})).rejects.toMatchObject(streamed);
  });

  it('heals only the keys of the file’s timestamp range, logging what it did', async () => {
    // Prepare: S3's time is the older evidence.
    const deps = depsOn();
    const age = { lastModified: new Date(NOW - 30 * HOUR), firstLoadedAt: NOW - 2 * HOUR };

    // Act
    const ranged = await run(deps, { ...age, timestamps: secondFile });
    const whole = await run(deps, age);

    // Assess
    expect([ranged, whole]).toEqual(['healed', 'healed']);
    const healed = logged('file too old to stream; healed its keys in the current table from the changelog');
    expect(healed).toEqual([
      expect.objectContaining({
        key: 'casino_a/game/bets/file.parquet',
        bigqueryTable: 'casino_a_cdc.bets_current',
        ageHours: 30,
        upserts: 1,
        deletes: 0,
        requests: 1,
        durationMs: 0,
        runbook: CURRENT_TABLE_RUNBOOK,
      }),
      expect.objectContaining({ upserts: 4, deletes: 0 }),
    ]);
  });

  it('logs a failed heal with its code and runbook, and fails the file', async () => {
    // Prepare: a route whose changelog does not exist.
    const deps = depsOn();

    // Act
    const failure = await run(deps, { lastModified: new Date(NOW - 3 * 24 * HOUR) }, routeOf('missing')).then(
      () => undefined,
      (error: unknown) => error as { code: string },
    );

    // Assess
    expect(failure?.code).toEqual(expect.any(String));
    expect(logged('healing the current table from the changelog failed; the changelog has the file')).toEqual(
      [
        expect.objectContaining({
          key: 'casino_a/game/missing/file.parquet',
          code: failure?.code,
          runbook: CURRENT_TABLE_RUNBOOK,
        }),
      ],
    );
  });

  it('leaves a current table that is still a view alone, saying how to replace it', async () => {
    // Prepare
    const deps = depsOn();

    // Act
    const outcome = await run(deps, {}, routeOf('viewed'));

    // Assess
    expect(outcome).toBe('view-pending');
    expect(
      logged('the current table is still the view of the view mode; the file is in the changelog'),
    ).toEqual([
      expect.objectContaining({
        key: 'casino_a/game/viewed/file.parquet',
        bigqueryTable: 'casino_a_cdc.viewed_current',
        fix: expect.stringContaining('casino_a_cdc.viewed_current is still a view'),
      }),
    ]);
  });

  it('asks once per client whether a table’s current is a view', async () => {
    // Prepare: `later_current` does not exist yet, so the stream will create it: not a view.
    const deps = depsOn();
    await expect(run(deps, {}, routeOf('later'))).rejects.toMatchObject(streamed);
    await h.bigquery
      .dataset(tableRoute.dataset)
      .createTable('later_current', { view: { query: 'SELECT 1 AS id', useLegacySql: false } });

    // Act / Assess: the container does not ask again (a CDC table never turns back into a view).
    await expect(run(deps, {}, routeOf('later'))).rejects.toMatchObject(streamed);
    // A fresh container asks.
    expect(await run(depsOn(), {}, routeOf('later'))).toBe('view-pending');
  });

  it('remembers each table on its own', async () => {
    // Prepare: one table known not to be a view.
    const deps = depsOn();
    await expect(run(deps, {}, routeOf('unseen'))).rejects.toMatchObject(streamed);

    // Act / Assess
    expect(await run(deps, {}, routeOf('viewed'))).toBe('view-pending');
  });
});

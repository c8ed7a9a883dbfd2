import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCurrentTableSink } from '../../lambdas/loader/current-table/index.js';
import {
  CURRENT_TABLE_RUNBOOK,
  CurrentIsViewError,
  type CurrentTableSink,
  CurrentTableStreamError,
  SCHEMA_PROPAGATION,
} from '../../lambdas/loader/current-table-sink.js';
import { FollowUpQueue } from '../../lambdas/loader/follow-ups.js';
import { LoaderMetrics } from '../../lambdas/loader/metrics.js';
import {
  type StreamCurrentDeps,
  type StreamCurrentFile,
  streamToCurrentTable,
} from '../../lambdas/loader/stream-current.js';
import { DEFAULT_RETRY_POLICY, Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import { parseLoaderMessage } from '../../lambdas/shared/messages.js';
import { parseParquetFooter, type RowGroupSize } from '../../lambdas/shared/parquet/footer.js';
import { emulatorClockWaits } from '../support/propagation-waits.js';
import { manyRowGroups, takeQueued } from './big-files-helpers.js';
import { currentState, deliver, duckdbParquet, tableRoute, tableRouting } from './current-table-helpers.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

const KEY = cdcKeyAt(1);
const TABLE = 'casino_a_cdc.bets_current';
const DIMS = { source: 'casino_a', table: 'bets' };

interface Emf {
  _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  [field: string]: unknown;
}

/**
 * `streamToCurrentTable` on its own, against fauxqs (S3, the loader queue) and the emulator's
 * Storage Write API, with the production sink: what it streams, what it queues, and the log lines
 * and metrics an operator reads (docs/runbooks/current-table-stream.md), each asserted in full.
 */
describe('streamToCurrentTable: ranges, continuations, refusals and what they report', {
  timeout: 60_000,
}, () => {
  let h: LoaderHarness;
  let sink: CurrentTableSink;
  let bytes: Uint8Array;
  let etag: string;
  let rowGroupSizes: RowGroupSize[];
  let infos: Record<string, unknown>[];
  let warnings: Record<string, unknown>[];
  let emf: Emf[];

  beforeAll(async () => {
    h = await startLoaderHarness({ currentTables: true, loader: { routing: tableRouting } });
    // Three row groups of two rows: ids 0–5.
    bytes = await duckdbParquet(h.emulator, manyRowGroups(3, 2), 'ROW_GROUP_SIZE 2');
    // The changelog holds the file (and the CDC table exists), as when the loader reaches this step.
    expect(await deliver(h, KEY, bytes)).toEqual([]);
    const object = await h.aws.s3.send(new GetObjectCommand({ Bucket: h.aws.bucket, Key: KEY }));
    etag = (object.ETag ?? '').replaceAll('"', '');
    const footer = await parseParquetFooter(bytes, bytes.byteLength, async (start, end) =>
      bytes.slice(start, end),
    );
    rowGroupSizes = footer.rowGroupSizes;
    sink = createCurrentTableSink({
      bigquery: h.bigquery,
      s3: h.aws.s3,
      logger: new Logger({ logLevel: 'SILENT' }),
      streamer: { clientOptions: h.emulator.storageWrite?.clientOptions ?? {} },
      propagation: emulatorClockWaits(() => h.emulator.clock),
    });
  });

  afterAll(async () => {
    await sink?.close();
    await h?.stop();
  });

  beforeEach(async () => {
    await takeQueued(h);
    await h.emulator.query('DELETE FROM "casino_a_cdc".bets_current');
    infos = [];
    warnings = [];
    emf = [];
    // POWERTOOLS_DEV prints log lines and EMF through the global console, where they are read back.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.spyOn(console, 'info').mockImplementation((line: unknown) => {
      infos.push(JSON.parse(String(line)) as Record<string, unknown>);
    });
    vi.spyOn(console, 'warn').mockImplementation((line: unknown) => {
      warnings.push(JSON.parse(String(line)) as Record<string, unknown>);
    });
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      emf.push(JSON.parse(String(line)) as Emf);
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  /** Two looks at the clock: when the stream starts and when it ends, 250 ms later. */
  const steppedClock = () => {
    const times = [1_000, 1_250];
    return () => times.shift() ?? 9_999;
  };

  const deps = (overrides: Partial<StreamCurrentDeps> = {}): StreamCurrentDeps => ({
    currentTables: async () => sink,
    followUps: new FollowUpQueue(h.aws.sqs, h.aws.queueUrl),
    rangeLimits: { maxRows: 1_000, maxBytes: 1e9 },
    continueBeforeMs: 1_000,
    logger: new Logger({ serviceName: 'dms2bq-loader', logLevel: 'INFO' }),
    metrics: new LoaderMetrics(new Metrics({ namespace: 'dms2bq', serviceName: 'dms2bq-loader' })),
    now: steppedClock(),
    ...overrides,
  });

  const file = (extra: Partial<StreamCurrentFile> = {}): StreamCurrentFile => ({
    route: tableRoute,
    bucket: h.aws.bucket,
    key: KEY,
    etag,
    size: bytes.byteLength,
    tail: bytes,
    columns: ['Op', '_dms_timestamp', '_dms_change_seq', 'id', 'name'],
    rowGroupSizes,
    ...extra,
  });

  /** A deadline on a clock that stands still: `remainingMs` is the same at every look. */
  const standingDeadline = (remainingMs: number) => new Deadline(50_000 + remainingMs, () => 50_000);

  const rejection = async (promise: Promise<unknown>): Promise<CurrentTableStreamError> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof CurrentTableStreamError) return error;
      throw error;
    }
    throw new Error('expected a rejection');
  };

  /** Name, value and dimensions of each metric data point printed. */
  const points = () =>
    emf.map((line) => {
      const [directive] = line._aws.CloudWatchMetrics;
      const name = directive?.Metrics[0]?.Name ?? '';
      const dimensions = Object.fromEntries(
        (directive?.Dimensions[0] ?? []).map((dimension) => [dimension, line[dimension]]),
      );
      return { name, value: line[name], dimensions };
    });
  const perTable = { service: 'dms2bq-loader', ...DIMS };

  /** The fields a log line's caller gave, without Powertools' own. */
  const fields = (line: Record<string, unknown> | undefined) => {
    const { level, timestamp, service, sampling_rate, xray_trace_id, ...rest } = line ?? {};
    return rest;
  };

  const queuedRanges = async () =>
    (await takeQueued(h))
      .map((body) => parseLoaderMessage(body))
      .flatMap((message) => (message.kind === 'files' ? message.files : []))
      .filter((queued) => queued.rowGroups !== undefined);

  it('refuses a range message past the end of the file for good, naming the fix, and reports it', async () => {
    // Act: the file has 3 row groups; the message asks for 1–3.
    const error = await rejection(
      streamToCurrentTable(
        file({ rowGroups: { start: 1, end: 4 } }),
        deps({ currentTables: undefined }),
        standingDeadline(30_000),
        DEFAULT_RETRY_POLICY,
      ),
    );

    // Assess
    expect(error.message).toBe(
      `${KEY} has 3 row groups, but the message asks for 1–3; it belongs to another version of the object: delete it`,
    );
    expect(error).toMatchObject({ table: TABLE, code: 'INVALID_DATA', permanent: true });
    expect(warnings.map(fields)).toEqual([
      {
        message: 'streaming to the current table failed; the changelog has the file',
        key: KEY,
        bigqueryTable: TABLE,
        rowGroups: { start: 1, end: 4 },
        code: 'INVALID_DATA',
        runbook: 'docs/runbooks/current-table-stream.md',
      },
    ]);
    expect(points()).toEqual([
      { name: 'CurrentStreamFailures', value: 1, dimensions: { ...perTable, code: 'INVALID_DATA' } },
      { name: 'CurrentStreamErrors', value: 1, dimensions: perTable },
    ]);
  });

  it('refuses a table route in a loader built without current-table streaming, naming the redeploy', async () => {
    // Act
    const error = await rejection(
      streamToCurrentTable(
        file(),
        deps({ currentTables: undefined }),
        standingDeadline(30_000),
        DEFAULT_RETRY_POLICY,
      ),
    );

    // Assess: the whole file has no range to log.
    expect(error.message).toBe(
      `casino_a/game/bets routes to a current table (${TABLE}), but this loader was built without current-table streaming; redeploy from the same mappings`,
    );
    expect(error).toMatchObject({ table: TABLE, code: 'FAILED_PRECONDITION', permanent: true });
    expect(warnings.map(fields)).toEqual([
      {
        message: 'streaming to the current table failed; the changelog has the file',
        key: KEY,
        bigqueryTable: TABLE,
        code: 'FAILED_PRECONDITION',
        runbook: CURRENT_TABLE_RUNBOOK,
      },
    ]);
  });

  it('reports a failure that is not a stream refusal as ERROR and passes it on unchanged', async () => {
    // Prepare: the streaming code cannot be loaded (e.g. a broken bundle).
    const broken = new Error('Cannot find module ./current-table/index.js');

    // Act
    const thrown = await streamToCurrentTable(
      file(),
      deps({
        currentTables: async () => {
          throw broken;
        },
      }),
      standingDeadline(30_000),
      DEFAULT_RETRY_POLICY,
    ).catch((error: unknown) => error);

    // Assess
    expect(thrown).toBe(broken);
    expect(warnings.map(fields)).toEqual([
      {
        message: 'streaming to the current table failed; the changelog has the file',
        key: KEY,
        bigqueryTable: TABLE,
        code: 'ERROR',
        runbook: CURRENT_TABLE_RUNBOOK,
      },
    ]);
    expect(points()).toEqual([
      { name: 'CurrentStreamFailures', value: 1, dimensions: { ...perTable, code: 'ERROR' } },
      { name: 'CurrentStreamErrors', value: 1, dimensions: perTable },
    ]);
  });

  it('refuses a file needing range messages in a loader without its own queue, naming the setting', async () => {
    // Act: one row group per range, so the file needs three.
    const error = await rejection(
      streamToCurrentTable(
        file(),
        deps({ followUps: undefined, rangeLimits: { maxRows: 2, maxBytes: 1e9 } }),
        standingDeadline(30_000),
        DEFAULT_RETRY_POLICY,
      ),
    );

    // Assess
    expect(error.message).toBe(
      `${KEY} needs 3 row-group range messages to reach ${TABLE} within the function's time, but this loader has no queue to send them to; set LOADER_QUEUE_URL (the loader's own queue)`,
    );
    expect(error).toMatchObject({ table: TABLE, code: 'FAILED_PRECONDITION', permanent: true });
  });

  it('sends a file too big for one invocation on as one range message per range, streaming nothing itself', async () => {
    // Act
    await streamToCurrentTable(
      file({ replayEpoch: 7 }),
      deps({ rangeLimits: { maxRows: 2, maxBytes: 1e9 } }),
      standingDeadline(30_000),
      DEFAULT_RETRY_POLICY,
    );

    // Assess
    const ranges = await queuedRanges();
    expect(ranges.map((range) => [range.rowGroups, range.replayEpoch])).toEqual([
      [{ start: 0, end: 1 }, 7],
      [{ start: 1, end: 2 }, 7],
      [{ start: 2, end: 3 }, 7],
    ]);
    expect(await currentState(h)).toEqual([]);
    expect(infos.map(fields)).toEqual([
      {
        message: 'file too big to stream in one invocation: its row groups go on as range messages',
        key: KEY,
        bigqueryTable: TABLE,
        ranges: 3,
        first: { start: 0, end: 1 },
        last: { start: 2, end: 3 },
      },
    ]);
    expect(points()).toEqual([
      { name: 'CurrentRangesQueued', value: 3, dimensions: { ...perTable, kind: 'fan-out' } },
    ]);
  });

  it('streams every row group while exactly the time kept for a continuation is left', async () => {
    // Act: the stop is asked for only when less than continueBeforeMs is left.
    await streamToCurrentTable(file(), deps(), standingDeadline(1_000), DEFAULT_RETRY_POLICY);

    // Assess
    expect(await queuedRanges()).toEqual([]);
    const streamed = await currentState(h, 'CAST(id AS INTEGER) AS id');
    expect(streamed.map((row) => row.id)).toEqual([0, 1, 2, 3, 4, 5]);
    const [line, ...others] = infos.map(fields);
    expect(others).toEqual([]);
    expect(line).toMatchObject({
      message: 'file streamed to the current table',
      key: KEY,
      bigqueryTable: TABLE,
      rowGroups: { start: 0, end: 3 },
      rows: 6,
      durationMs: 250,
    });
    expect(line?.requests).toBeGreaterThan(0);
    expect(points().filter((point) => point.dimensions.kind === undefined)).toEqual([
      { name: 'CurrentRowsStreamed', value: 6, dimensions: perTable },
      { name: 'CurrentAppendRequests', value: line?.requests, dimensions: perTable },
      { name: 'CurrentStreamDuration', value: 250, dimensions: perTable },
    ]);
  });

  it('stops a stream short of time after its first row group and sends the rest on as a continuation', async () => {
    // Act: less than continueBeforeMs is left from the start, and the first row group always streams.
    await streamToCurrentTable(file(), deps(), standingDeadline(999), DEFAULT_RETRY_POLICY);

    // Assess
    const ranges = await queuedRanges();
    expect(ranges.map((range) => range.rowGroups)).toEqual([{ start: 1, end: 3 }]);
    const streamed = await currentState(h, 'CAST(id AS INTEGER) AS id');
    expect(streamed.map((row) => row.id)).toEqual([0, 1]);
    const [streamedLine, continuationLine] = infos.map(fields);
    expect(streamedLine).toMatchObject({
      message: 'file streamed to the current table',
      rowGroups: { start: 0, end: 1 },
      rows: 2,
    });
    expect(continuationLine).toEqual({
      message: 'out of time before the end of the range: the rest goes on as a continuation message',
      key: KEY,
      bigqueryTable: TABLE,
      ranges: 1,
      first: { start: 1, end: 3 },
      last: { start: 1, end: 3 },
    });
    expect(points().filter((point) => point.name === 'CurrentRangesQueued')).toEqual([
      { name: 'CurrentRangesQueued', value: 1, dimensions: { ...perTable, kind: 'continuation' } },
    ]);
  });

  it('keeps a schema still propagating out of the per-table error alarm', () => {
    // Act
    new LoaderMetrics(
      new Metrics({ namespace: 'dms2bq', serviceName: 'dms2bq-loader' }),
    ).currentTableStreamFailed(DIMS, SCHEMA_PROPAGATION);

    // Assess: the failure is counted under its code, but CurrentStreamErrors (the alarm) stays quiet.
    expect(points()).toEqual([
      { name: 'CurrentStreamFailures', value: 1, dimensions: { ...perTable, code: 'SCHEMA_PROPAGATION' } },
    ]);
  });

  it('acknowledges a current table that is still a view without retrying, naming the command that replaces it', () => {
    // Act
    const error = new CurrentIsViewError(TABLE);

    // Assess
    expect(error).toBeInstanceOf(CurrentTableStreamError);
    expect(String(error)).toBe(
      `CurrentIsViewError: ${TABLE} is still a view while the mapping says "current": "table"; run dms2bq warehouse apply --backfill (CD does after the deploy) to replace it with the CDC table and fill it from the changelog`,
    );
    expect(error).toMatchObject({ table: TABLE, code: 'FAILED_PRECONDITION', permanent: false });
    expect(error.runbook).toBe('docs/runbooks/current-table-stream.md');
  });
});

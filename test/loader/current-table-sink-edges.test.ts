import { Logger } from '@aws-lambda-powertools/logger';
import type { TableField } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCurrentTableSink } from '../../lambdas/loader/current-table/index.js';
import { ParquetValueError } from '../../lambdas/loader/current-table/parquet-values.js';
import { SchemaPropagationPendingError } from '../../lambdas/loader/current-table/propagation.js';
import {
  CURRENT_TABLE_RUNBOOK,
  type CurrentTableFile,
  type CurrentTableSink,
  CurrentTableStreamError,
} from '../../lambdas/loader/current-table-sink.js';
import { CdcStreamError } from '../../lambdas/shared/bigquery/cdc-errors.js';
import { Deadline, TimeBudgetError } from '../../lambdas/shared/bigquery/deadline.js';
import { emulatorClockWaits } from '../support/propagation-waits.js';
import { deliver, duckdbParquet, tableRoute } from './current-table-helpers.js';
import { betsRoute } from './fixtures.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, startLoaderHarness } from './harness.js';
import { captureConsole } from './logs.js';

const KEY = cdcKeyAt(1);
const TABLE = 'casino_a_cdc.bets_current';
const RETRY = { baseDelayMs: 20, maxDelayMs: 200 };
const COLUMNS = ['Op', '_dms_timestamp', '_dms_change_seq', 'id', 'name', 'amount', 'qty'];

/** `groups` row groups of two rows, ids from `first`; `op(i)` is the SQL of row i's Op. */
const rows = (groups: number, first = 0, op = (_i: string) => `'U'`, qty = 'CAST(i AS BIGINT)') =>
  Array.from(
    { length: groups },
    (_, group) => `SELECT ${op('i')} AS "Op", '2024-03-27 01:43:01.000000' AS _dms_timestamp,
      lpad(CAST(i AS VARCHAR), 35, '0') AS _dms_change_seq, CAST(i AS BIGINT) AS id, 'n' || i AS name,
      CAST(2.5 AS DECIMAL(18,2)) AS amount, ${qty} AS qty FROM range(${first + group * 2}, ${first + group * 2 + 2}) t(i)`,
  ).join(' UNION ALL ');

/** A deadline on a clock that stands still: `remainingMs` is the same at every look. */
const standing = (remainingMs: number) => new Deadline(50_000 + remainingMs, () => 50_000);

/**
 * The production current-table sink on its own, against the emulator's Storage Write API: what it
 * streams, when it retries with fresh fields, how it classifies a failure (permanent or not, code,
 * cause: retried, dead-lettered or lost) and the log lines an operator reads. The loader here loads
 * the changelog only (the route's `current` is a view), so the CDC table `bets_current` changes only
 * through the sinks the tests make. The tests run in order: each builds on the tables the previous left.
 */
describe('the current-table sink: streams, retries and failures', { timeout: 120_000 }, () => {
  let h: LoaderHarness;
  let file1: Uint8Array;
  let logs: () => Record<string, unknown>[];
  const sinks: CurrentTableSink[] = [];

  beforeAll(async () => {
    h = await startLoaderHarness({
      currentTables: true,
      schemaPropagationSeconds: 10,
      loader: { routing: { 'casino_a/game/bets': betsRoute } },
    });
    // Three row groups of two rows: ids 0–5, in the changelog.
    file1 = await duckdbParquet(h.emulator, rows(3), 'ROW_GROUP_SIZE 2');
    expect(await deliver(h, KEY, file1)).toEqual([]);
    // The loader made the route's view; the sinks here stream to a CDC table under its name, which
    // one makes now (waiting out the name's propagation).
    await h.bigquery.dataset('casino_a_cdc').table('bets_current').delete();
    await sinkOf(new Logger({ logLevel: 'SILENT' })).stream(fileOf(file1));
  });

  afterAll(async () => {
    await h?.stop();
  });

  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const captured = captureConsole();
    logs = () => captured.logs().map(({ line }) => fieldsOf(line));
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  });

  /** The fields a log line's caller gave, without Powertools' own. */
  const fieldsOf = (line: Record<string, unknown>) => {
    const { level, timestamp, service, sampling_rate, xray_trace_id, ...rest } = line;
    return rest;
  };

  const sinkOf = (logger = new Logger({ serviceName: 'dms2bq-loader-test', logLevel: 'INFO' })) => {
    const sink = createCurrentTableSink({
      bigquery: h.bigquery,
      s3: h.aws.s3,
      logger,
      streamer: { clientOptions: h.emulator.storageWrite?.clientOptions ?? {} },
      propagation: emulatorClockWaits(() => h.emulator.clock),
    });
    sinks.push(sink);
    return sink;
  };

  /** A file whose bytes are all in its tail: nothing is read from S3. */
  const fileOf = (bytes: Uint8Array, extra: Partial<CurrentTableFile> = {}): CurrentTableFile => ({
    route: tableRoute,
    bucket: h.aws.bucket,
    key: KEY,
    etag: 'unused',
    size: bytes.byteLength,
    tail: bytes,
    columns: COLUMNS,
    deadline: standing(60_000),
    retry: RETRY,
    ...extra,
  });

  const rejection = async (promise: Promise<unknown>): Promise<CurrentTableStreamError> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof CurrentTableStreamError) return error;
      throw error;
    }
    throw new Error('expected a rejection');
  };

  const appendRequests = () => h.emulator.storageWrite?.stats.requests ?? 0;
  const addToChangelog = async (column: string) => {
    const table = h.bigquery.dataset('casino_a_cdc').table('bets');
    const [metadata] = await table.getMetadata();
    const fields = metadata.schema.fields as TableField[];
    await table.setMetadata({
      schema: { fields: [...fields, { name: column, type: 'STRING', mode: 'NULLABLE' }] },
    });
  };

  it('creates the CDC table, logging it for the operator, and reports no propagation wait when none was needed', async () => {
    // Prepare: a route whose changelog is like bets and whose CDC table does not exist yet.
    const dataset = h.bigquery.dataset('casino_a_cdc');
    const [changelog] = await dataset.table('bets').getMetadata();
    await dataset.createTable('fresh', { schema: changelog.schema });
    const route = { ...tableRoute, table: 'fresh', targetTable: 'fresh' };

    // Act
    const result = await sinkOf().stream(fileOf(file1, { route }));

    // Assess
    expect(result).toMatchObject({ table: 'casino_a_cdc.fresh_current', rows: 6 });
    expect(result).not.toHaveProperty('propagationWaits');
    const [streamed] = await h.bigquery.query('SELECT COUNT(*) AS n FROM casino_a_cdc.fresh_current');
    expect(streamed).toEqual([{ n: 6 }]);
    expect(logs()).toEqual([
      {
        message: 'created the CDC current table from the changelog schema',
        bigqueryTable: 'casino_a_cdc.fresh_current',
        columns: expect.arrayContaining(['id', 'name', 'amount']),
        runbook: CURRENT_TABLE_RUNBOOK,
      },
    ]);
  });

  it('stops between row groups when the time is up, a failure the record is retried for', async () => {
    // Prepare: the clock reaches the deadline while the second row group is read.
    let now = 0;
    const deadline = new Deadline(1_000, () => now);

    // Act
    const error = await rejection(
      sinkOf().stream(
        fileOf(file1, {
          deadline,
          stopBefore: () => {
            now = 1_000;
            return false;
          },
        }),
      ),
    );

    // Assess
    expect(error.message).toBe(
      `${KEY} is in the changelog, but streaming it to ${TABLE} failed: out of time before stream ${KEY} to ${TABLE}; the record will be retried`,
    );
    expect(error).toMatchObject({ table: TABLE, code: 'ERROR', permanent: false });
    expect(error.cause).toBeInstanceOf(TimeBudgetError);
  });

  it('fails a file with a value it cannot read for good, without streaming its rows again', async () => {
    // Prepare: the sink knows the table (its fields are remembered); the bad row is in the second row group.
    const sink = sinkOf();
    await sink.stream(fileOf(file1));
    const bad = await duckdbParquet(
      h.emulator,
      rows(2, 10, (i) => `CASE WHEN ${i} = 13 THEN 'X' ELSE 'U' END`),
      'ROW_GROUP_SIZE 2',
    );
    const looks = vi.spyOn(h.bigquery, 'dataset');

    // Act
    const error = await rejection(sink.stream(fileOf(bad)));

    // Assess: not a refusal a fresh look at the table can heal, so none is taken.
    expect(error.message).toBe(
      `${KEY} is in the changelog, but streaming it to ${TABLE} failed: row 3: column Op: "X" is not one of I, U, D`,
    );
    expect(error).toMatchObject({ table: TABLE, code: 'INVALID_DATA', permanent: true });
    expect(error.cause).toBeInstanceOf(ParquetValueError);
    expect(looks).not.toHaveBeenCalled();
  });

  it('passes a transient refusal of remembered fields on for a retry, without a fresh look of its own', async () => {
    // Prepare
    const sink = sinkOf();
    await sink.stream(fileOf(file1));
    h.emulator.faults.failAppendRows({ code: 'RESOURCE_EXHAUSTED', message: 'quota', times: 1 });

    // Act
    const error = await rejection(sink.stream(fileOf(file1)));

    // Assess
    expect(error).toMatchObject({ table: TABLE, code: 'RESOURCE_EXHAUSTED', permanent: false });
    expect(error.cause).toBeInstanceOf(CdcStreamError);
  });

  it('fails for good, once, rows a table it has just looked at refuses', async () => {
    // Prepare: `plain` has a changelog like bets and a current table without a primary key.
    const dataset = h.bigquery.dataset('casino_a_cdc');
    const [changelog] = await dataset.table('bets').getMetadata();
    const [current] = await dataset.table('bets_current').getMetadata();
    await dataset.createTable('plain', { schema: changelog.schema });
    await dataset.createTable('plain_current', { schema: current.schema });
    const route = { ...tableRoute, table: 'plain', targetTable: 'plain' };
    const before = appendRequests();

    // Act
    const error = await rejection(sinkOf().stream(fileOf(file1, { route })));

    // Assess: one append, refused; not one a fresh look can heal, nor another delivery.
    expect(error.message).toMatch(
      new RegExp(
        `^${KEY} is in the changelog, but streaming it to casino_a_cdc.plain_current failed: INVALID_ARGUMENT: .*extra fields: '_CHANGE_SEQUENCE_NUMBER,_CHANGE_TYPE'`,
      ),
    );
    expect(error).toMatchObject({
      table: 'casino_a_cdc.plain_current',
      code: 'INVALID_ARGUMENT',
      permanent: true,
    });
    expect(error.cause).toBeInstanceOf(CdcStreamError);
    expect(appendRequests() - before).toBe(1);
  });

  it('streams again with fresh fields when remembered ones are refused after another container widened a column', async () => {
    // Prepare: this sink remembers qty as INTEGER; then a file brings a decimal qty, and the loader
    // widens the changelog's to NUMERIC (ADR 0017).
    const sink = sinkOf();
    await sink.stream(fileOf(file1));
    const wide = await duckdbParquet(
      h.emulator,
      rows(1, 20, () => `'U'`, `CAST(7.25 AS DECIMAL(18,2))`),
    );
    expect(await deliver(h, cdcKeyAt(2), wide)).toEqual([]);

    // Act
    const result = await sink.stream(fileOf(wide, { key: cdcKeyAt(2) }));

    // Assess
    expect(result).toMatchObject({ table: TABLE, rows: 2 });
    const [streamed] = await h.bigquery.query(
      'SELECT CAST(qty AS STRING) AS qty FROM casino_a_cdc.bets_current WHERE id = 20',
    );
    expect(streamed).toEqual([{ qty: '7.25' }]);
    expect(logs()).toContainEqual({
      message: 'widened a column of the CDC current table as the changelog’s was widened',
      bigqueryTable: TABLE,
      columns: ['qty INT64 → NUMERIC'],
      runbook: CURRENT_TABLE_RUNBOOK,
    });
  });

  it('gives up on a column not yet propagated when the time left cannot hold a wait, and waits it out when it can', async () => {
    // Prepare: the changelog gains a column the CDC table lacks.
    await addToChangelog('note');

    // Act: 10 ms left, less than the first wait.
    const error = await rejection(sinkOf().stream(fileOf(file1, { deadline: standing(10) })));
    const result = await sinkOf().stream(fileOf(file1));

    // Assess
    expect(error.message).toMatch(
      new RegExp(
        `^${KEY} is in the changelog, but streaming it to ${TABLE} failed: stream ${KEY} to ${TABLE}: the Storage Write API does not know the table's latest schema change yet`,
      ),
    );
    expect(error).toMatchObject({ table: TABLE, code: 'SCHEMA_PROPAGATION', permanent: false });
    expect(error.cause).toBeInstanceOf(SchemaPropagationPendingError);
    expect(result.propagationWaits).toBeGreaterThan(0);
    const lines = logs();
    expect(lines[0]).toEqual({
      message: 'added the changelog’s new columns to the CDC current table',
      bigqueryTable: TABLE,
      columns: ['note'],
      runbook: CURRENT_TABLE_RUNBOOK,
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        message:
          'the Storage Write API does not know the CDC table’s latest schema change yet; streaming the file again after a wait',
        key: KEY,
        bigqueryTable: TABLE,
        attempt: 1,
      }),
    );
  });

  it('names the heal in a heal that runs out of time, and looks the table up afresh after it', async () => {
    // Prepare: the changelog gains a column the heal adds, which the Storage Write API does not know yet.
    await addToChangelog('note2');
    const sink = sinkOf();

    // Act
    const error = await rejection(
      sink.heal({
        route: tableRoute,
        key: KEY,
        columns: COLUMNS,
        location: LOCATION,
        deadline: standing(10),
        retry: RETRY,
      }),
    );
    await addToChangelog('note3');
    await sink.stream(fileOf(file1));

    // Assess: the failed heal's fields are not remembered: the stream sees the changelog's new column.
    expect(error.message).toMatch(
      new RegExp(
        `^${KEY} is in the changelog, but streaming it to ${TABLE} failed: heal the keys of ${KEY} in ${TABLE}: the Storage Write API does not know`,
      ),
    );
    expect(error).toMatchObject({ code: 'SCHEMA_PROPAGATION', permanent: false });
    // The heal added note2; the stream's first step is a fresh look, which adds note3 before it
    // streams (remembered fields would stream first, be refused for note2, and wait).
    expect(logs().slice(0, 2)).toEqual([
      expect.objectContaining({
        message: 'added the changelog’s new columns to the CDC current table',
        columns: ['note2'],
      }),
      expect.objectContaining({
        message: 'added the changelog’s new columns to the CDC current table',
        columns: ['note3'],
      }),
    ]);
  });
});

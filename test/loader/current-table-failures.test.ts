import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileOutcomeEvent } from '../../lambdas/loader/create-handler.js';
import { createCurrentTableSink } from '../../lambdas/loader/current-table/index.js';
import { CurrentTableStreamError } from '../../lambdas/loader/current-table-sink.js';
import { isPermanent } from '../../lambdas/loader/failure-kind.js';
import { DEFAULT_RETRY_POLICY, Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import { startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import {
  currentState,
  deliver,
  duckdbParquet,
  loadJobCount,
  tableRoute,
  tableRouting,
} from './current-table-helpers.js';
import { cdcKeyAt, type HarnessOptions, type LoaderHarness, startLoaderHarness } from './harness.js';

const file = (op = 'I') => `SELECT '${op}' AS "Op", '2024-03-27 01:43:01.000000' AS _dms_timestamp,
  '00000000000000000000000000000000001' AS _dms_change_seq, CAST(1 AS BIGINT) AS id, 2.5 AS amount`;

describe('loader: current-table stream failures', { timeout: 60_000 }, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });
  const start = async (options: HarnessOptions = {}) => {
    harness = await startLoaderHarness({
      currentTables: true,
      ...options,
      loader: { routing: tableRouting, ...options.loader },
    });
    return harness;
  };
  const rejection = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a rejection');
  };

  it('sends a file whose rows the table refuses to the DLQ, loaded once, with the reason', async () => {
    // Prepare: a plain table without a primary key takes no CDC rows (INVALID_ARGUMENT).
    const outcomes: FileOutcomeEvent[] = [];
    // No propagation delay: the refusal's text is asserted, and during a delay it also lists the
    // columns the loader has just added (the outcome, DLQ once, is the same).
    const h = await start({
      maxReceiveCount: 3,
      schemaPropagationSeconds: 0,
      loader: { onFileOutcome: (event) => outcomes.push(event) },
    });
    await h.bigquery.dataset('casino_a_cdc').createTable('bets_current', {
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
    });
    await h.put(cdcKeyAt(1), await duckdbParquet(h.emulator, file()));

    // Act
    await h.drain();

    // Assess: every delivery (maxReceiveCount 3) failed the same way, with no wait between them.
    expect(await h.deadLetters()).toHaveLength(1);
    expect(await loadJobCount(h)).toBe(1);
    expect(outcomes.filter((o) => o.status === 'failed').map((o) => o.reason)).toContain(
      `CurrentTableStreamError: ${cdcKeyAt(1)} is in the changelog, but streaming it to casino_a_cdc.bets_current failed: INVALID_ARGUMENT: AppendRows to projects/local-project/datasets/casino_a_cdc/tables/bets_current refused: Input schema has more fields than BigQuery schema, extra fields: '_CHANGE_SEQUENCE_NUMBER,_CHANGE_TYPE' Entity: projects/local-project/datasets/casino_a_cdc/tables/bets_current/streams/_default`,
    );
  });

  it('sends a file whose CDC table BigQuery would refuse (a FLOAT64 key) to the DLQ once, naming the mapping fix', async () => {
    // Prepare: no declared columns, so the first load gives the key its type: FLOAT64.
    const outcomes: FileOutcomeEvent[] = [];
    const h = await start({ maxReceiveCount: 3, loader: { onFileOutcome: (event) => outcomes.push(event) } });
    const floatKey = `SELECT 'I' AS "Op", '2024-03-27 01:43:01.000000' AS _dms_timestamp,
      '' AS _dms_change_seq, CAST(1.5 AS DOUBLE) AS id, 2.5 AS amount`;
    await h.put(cdcKeyAt(1), await duckdbParquet(h.emulator, floatKey));

    // Act
    await h.drain();

    // Assess
    expect(await h.deadLetters()).toHaveLength(1);
    expect(await loadJobCount(h)).toBe(1);
    const [metadata] = await h.bigquery.dataset('casino_a_cdc').table('bets_current').exists();
    expect(metadata).toBe(false);
    expect(outcomes.filter((o) => o.status === 'failed').map((o) => o.reason)).toContain(
      'CurrentTableStreamError: mappings/casino_a.json: table game.bets ("current": "table"): BigQuery would refuse its CDC table casino_a_cdc.bets_current: primary key column id is FLOAT64, which a BigQuery primary key cannot be (only BIGNUMERIC, BOOL, DATE, DATETIME, INT64, NUMERIC, STRING, TIMESTAMP); fix its "primaryKey" or "excludeColumns", or set "current": "view" on it',
    );
  });

  it('fails a file with an Op it cannot stream for good, after its changelog load', async () => {
    // Prepare
    const h = await start();

    // Act
    const failed = await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, file('X')));

    // Assess
    expect(failed).toHaveLength(1);
    expect(await h.rowCount()).toBe(1);
    expect(await currentState(h)).toEqual([]);
  });

  /** Streams the landed file at cdcKeyAt(1) with a sink of its own, as the loader would. */
  const streamDirectly = async (
    h: LoaderHarness,
    clientOptions: Record<string, unknown>,
    deadline: Deadline,
  ) => {
    const sink = createCurrentTableSink({
      bigquery: h.bigquery,
      s3: h.aws.s3,
      logger: new Logger({ logLevel: 'SILENT' }),
      streamer: { clientOptions },
    });
    const object = await h.aws.s3.send(new GetObjectCommand({ Bucket: h.aws.bucket, Key: cdcKeyAt(1) }));
    const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
    try {
      return await rejection(
        sink.stream({
          route: tableRoute,
          bucket: h.aws.bucket,
          key: cdcKeyAt(1),
          etag: (object.ETag ?? '').replaceAll('"', ''),
          size: bytes.byteLength,
          tail: bytes,
          columns: ['Op', '_dms_timestamp', '_dms_change_seq', 'id', 'amount'],
          deadline,
          retry: DEFAULT_RETRY_POLICY,
        }),
      );
    } finally {
      await sink.close();
    }
  };

  it('marks an unreachable Storage Write API as transient, so the record backs off', async () => {
    // Prepare: the changelog exists; the stream endpoint is an emulator that has stopped.
    const h = await start();
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, file()));
    const gone = await startBigQueryEmulator({ storageWrite: true });
    const clientOptions = gone.storageWrite?.clientOptions ?? {};
    await gone.stop();

    // Act
    const error = await streamDirectly(h, clientOptions, Deadline.fromRemaining(30_000, 0));

    // Assess
    expect(error).toBeInstanceOf(CurrentTableStreamError);
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      permanent: false,
      table: 'casino_a_cdc.bets_current',
    });
    expect(isPermanent(error)).toBe(false);
  });

  it('stops when the invocation has no time left, as a transient failure', async () => {
    // Prepare
    const h = await start();
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, file()));

    // Act
    const error = await streamDirectly(
      h,
      h.emulator.storageWrite?.clientOptions ?? {},
      Deadline.fromRemaining(0, 0),
    );

    // Assess
    expect(error).toMatchObject({ permanent: false });
    expect((error as Error).message).toMatch(/casino_a_cdc\.bets_current/);
    expect(isPermanent(error)).toBe(false);
  });

  it('never loads the streaming code for a view route', async () => {
    // Prepare
    let loads = 0;
    const h = await start({
      loader: {
        routing: { 'casino_a/game/bets': { ...tableRoute, current: 'view' } },
        currentTables: async () => {
          loads += 1;
          throw new Error('a view route reached the streaming code');
        },
      },
    });

    // Act
    const failed = await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, file()));

    // Assess
    expect(failed).toEqual([]);
    expect(loads).toBe(0);
    const [view] = await h.bigquery.dataset('casino_a_cdc').table('bets_current').getMetadata();
    expect(view.type).toBe('VIEW');
  });
});

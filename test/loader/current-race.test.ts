import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { TableField } from '@google-cloud/bigquery';
import { afterEach, describe, expect, it } from 'vitest';
import { createLoaderHandler } from '../../lambdas/loader/create-handler.js';
import { createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { applyCurrent } from '../../lambdas/shared/warehouse/current-object.js';
import { rebuildCurrentTable } from '../../lambdas/shared/warehouse/rebuild-current.js';
import { lambdaContext } from './context.js';
import { deliver, duckdbParquet, tableRoute, tableRouting } from './current-table-helpers.js';
import { s3Notification, sqsRecord } from './fixtures.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, PROJECT, startLoaderHarness } from './harness.js';

/**
 * ADR 0042, issue 19 item 7: a table-mode loader that has just seen the old `_current` view must not
 * delete the CDC table `warehouse apply --backfill` puts there a moment later. A proxy in front of the
 * emulator holds the loader's next request after it read the view, runs apply's switch and the
 * backfill, then lets the loader go on: the interleaving of the race, made certain.
 */
const change = (op: string, n: number, id: number, name: string) =>
  `('${op}', '2024-03-27 01:43:0${n}.000000', '2024032701430${n}00${String(n).padStart(19, '0')}', CAST(${id} AS BIGINT), '${name}')`;
const file = (rows: string[]) =>
  `SELECT * FROM (VALUES ${rows.join(', ')}) AS t("Op", _dms_timestamp, _dms_change_seq, id, name)`;

/** Forwards every request to `target`; after a GET that returned `_current` as a view, holds the next one until `between` ran. */
async function startProxy(target: string, between: () => Promise<void>) {
  const state = { armed: false, fired: false };
  const body = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const payload = await body(request);
      if (state.armed) {
        state.armed = false;
        state.fired = true;
        await between();
      }
      const type = request.headers['content-type'];
      const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
      const forwarded = await fetch(`${target}${request.url}`, {
        method: request.method ?? 'GET',
        headers,
        ...(payload.length > 0 ? { body: payload } : {}),
      });
      const text = await forwarded.text();
      if (
        request.method === 'GET' &&
        /\/tables\/bets_current(\?|$)/.test(request.url ?? '') &&
        !state.fired &&
        text.includes('"VIEW"')
      ) {
        state.armed = true;
      }
      response.writeHead(forwarded.status, {
        'content-type': forwarded.headers.get('content-type') ?? 'application/json',
      });
      response.end(text);
    })().catch((error: unknown) => {
      console.error('proxy', error);
      response.writeHead(502);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, state, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('a loader and warehouse apply --backfill racing on _current (ADR 0042)', {
  timeout: 120_000,
}, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });

  it('never loses the table the backfill has just filled', async () => {
    // Prepare: the view mode loaded a first file; the mapping now says "table".
    harness = await startLoaderHarness({ currentTables: true });
    const h = harness;
    const first = await duckdbParquet(h.emulator, file([change('I', 1, 1, 'a'), change('I', 1, 2, 'b')]));
    expect(await deliver(h, cdcKeyAt(1), first)).toEqual([]);
    const clientOptions = h.emulator.storageWrite?.clientOptions ?? {};
    const applyWithBackfill = async () => {
      const [metadata] = await h.bigquery.dataset('casino_a_cdc').table('bets').getMetadata();
      const fields = (metadata.schema?.fields ?? []) as TableField[];
      await applyCurrent(h.bigquery, tableRoute, { fields, rows: Number(metadata.numRows ?? 0) });
      const streamer = createCdcStreamer(clientOptions);
      try {
        await rebuildCurrentTable({ bigquery: h.bigquery, route: tableRoute, streamer, location: LOCATION });
      } finally {
        await streamer.close();
      }
    };
    const proxy = await startProxy(h.emulator.url, applyWithBackfill);
    const bigquery = createBigQueryClient({
      projectId: PROJECT,
      location: LOCATION,
      credentials: { kind: 'none' },
      apiEndpoint: proxy.url,
      retryOptions: { autoRetry: false },
    });
    const logger = new Logger({ logLevel: 'SILENT' });
    const { createCurrentTableSink } = await import('../../lambdas/loader/current-table/index.js');
    const sink = createCurrentTableSink({ bigquery, s3: h.aws.s3, logger, streamer: { clientOptions } });
    const loader = createLoaderHandler({
      routing: tableRouting,
      s3: h.aws.s3,
      bigquery,
      location: LOCATION,
      logger,
      metrics: new Metrics({ namespace: 'dms2bq-test' }),
      currentTables: async () => sink,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      reserveMs: 200,
      minTimeToStartMs: 500,
    });
    const second = await duckdbParquet(h.emulator, file([change('U', 2, 1, 'a2'), change('I', 3, 3, 'c')]));
    await h.put(cdcKeyAt(2), second);

    try {
      // Act: the new release's loader takes the second file while apply switches and backfills.
      const response = await loader(
        { Records: [sqsRecord(s3Notification(h.aws.bucket, cdcKeyAt(2)))] },
        lambdaContext(60_000),
      );

      // Assess
      expect(proxy.state.fired).toBe(true);
      expect(response.batchItemFailures).toEqual([]);
      const [metadata] = await h.bigquery.dataset('casino_a_cdc').table('bets_current').getMetadata();
      expect(metadata.type).toBe('TABLE');
      expect(metadata.labels?.dms2bq_backfill).toBeUndefined();
      const [rows] = await h.bigquery.query({
        query: 'SELECT id, name FROM casino_a_cdc.bets_current ORDER BY id',
        location: LOCATION,
      });
      expect(rows.map((row: { id: number; name: string }) => [Number(row.id), row.name])).toEqual([
        [1, 'a2'],
        [2, 'b'],
        [3, 'c'],
      ]);
    } finally {
      await sink.close();
      await proxy.stop();
    }
  });
});

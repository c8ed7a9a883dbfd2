import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoaderDeps } from '../../lambdas/loader/create-handler.js';
import { parseLoaderMessage, streamRangeMessage } from '../../lambdas/shared/messages.js';
import { etagOf, manyRowGroups, takeQueued, tickingClock } from './big-files-helpers.js';
import { currentState, deliver, duckdbParquet, tableRouting } from './current-table-helpers.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';
import { capturingLogger } from './logs.js';

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

describe('loader: a file too big for one invocation reaches the CDC table in row-group ranges', {
  timeout: 120_000,
}, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });
  const start = async (loader: Partial<LoaderDeps> = {}, visibilityTimeoutSeconds?: number) => {
    harness = await startLoaderHarness({
      currentTables: true,
      ...(visibilityTimeoutSeconds ? { visibilityTimeoutSeconds } : {}),
      loader: { routing: tableRouting, rangeLimits: { maxRows: 1_000, maxBytes: 1e9 }, ...loader },
    });
    return harness;
  };

  it('streams every row of a 150-row-group DuckDB file although no invocation has time for them all', async () => {
    // Prepare: every look at the clock costs 200 ms of a 19.3 s invocation, so one invocation
    // reads fewer than 97 row groups; streaming the file from row 0 on each delivery never finishes.
    // 5 s are kept for the continuation, so a busy machine's slow row group still ends in time.
    const h = await start({ now: tickingClock(200), continueBeforeMs: 5_000 }, 20);
    const file = await duckdbParquet(h.emulator, manyRowGroups(150, 40), 'ROW_GROUP_SIZE 40');
    await h.put(cdcKeyAt(1), file);

    // Act
    const stats = await h.drain({ concurrency: 2 });

    // Assess
    expect(await h.deadLetters()).toEqual([]);
    expect(await h.rowCount('bets')).toBe(6_000);
    const rows = await currentState(h, 'CAST(id AS VARCHAR) AS key, name');
    expect(rows.map((row) => row.key)).toEqual(ids(0, 6_000));
    expect(rows.every((row) => row.name === `v1-${row.key}`)).toBe(true);
    expect(stats.recordsSucceeded).toBeGreaterThan(7);
  });

  it('resumes a range whose invocation ran short of time where it stopped', async () => {
    // Prepare: the changelog load is done and the range is on its own, as after a fan-out.
    const h = await start({ now: tickingClock(100), rangeLimits: { maxRows: 1e9, maxBytes: 1e9 } });
    const file = await duckdbParquet(h.emulator, manyRowGroups(30, 40), 'ROW_GROUP_SIZE 40');
    expect(await deliver(h, cdcKeyAt(1), file)).toEqual([]);
    await h.emulator.query('DELETE FROM "casino_a_cdc".bets_current');
    const range = streamRangeMessage({
      bucket: h.aws.bucket,
      key: cdcKeyAt(1),
      etag: await etagOf(h, cdcKeyAt(1)),
      rowGroups: { start: 5, end: 30 },
    });

    // Act: 2.2 s of which 1 s is kept for the continuation: a handful of row groups fit.
    const failed = (await h.invoke([JSON.stringify(range)], 2_200)).batchItemFailures;
    // The queue also holds the file's own S3 notification.
    const queued = (await takeQueued(h))
      .map((body) => parseLoaderMessage(body))
      .flatMap((message) => (message.kind === 'files' ? message.files : []))
      .filter((file) => file.rowGroups !== undefined);

    // Assess
    expect(failed).toEqual([]);
    expect(queued).toHaveLength(1);
    const [continuation] = queued;
    const next = continuation?.rowGroups?.start ?? 0;
    expect(continuation?.rowGroups).toEqual({ start: next, end: 30 });
    expect(next).toBeGreaterThan(5);
    expect(next).toBeLessThan(30);
    const streamed = await currentState(h, 'CAST(id AS VARCHAR) AS key');
    expect(streamed.map((row) => row.key)).toEqual(ids(5 * 40, next * 40));
  });

  it('leaves the CDC table as it was when a range arrives again after later changes', async () => {
    // Prepare: the file fans out and streams; a later file updates and deletes some of its keys.
    const h = await start();
    const file = await duckdbParquet(h.emulator, manyRowGroups(6, 400), 'ROW_GROUP_SIZE 400');
    await h.put(cdcKeyAt(1), file);
    await h.drain({ concurrency: 2 });
    const later = await duckdbParquet(
      h.emulator,
      `SELECT CASE WHEN id % 2 = 0 THEN 'D' ELSE 'U' END AS "Op", _dms_timestamp, _dms_change_seq, id, name
       FROM (${manyRowGroups(1, 20, 2)})`,
    );
    expect(await deliver(h, cdcKeyAt(2), later)).toEqual([]);
    const before = await currentState(h, 'CAST(id AS VARCHAR) AS key, name');
    const etag = await etagOf(h, cdcKeyAt(1));
    const range = JSON.stringify(
      streamRangeMessage({ bucket: h.aws.bucket, key: cdcKeyAt(1), etag, rowGroups: { start: 0, end: 2 } }),
    );

    // Act
    const first = await h.invoke([range]);
    const second = await h.invoke([range]);

    // Assess
    expect([...first.batchItemFailures, ...second.batchItemFailures]).toEqual([]);
    expect(before).toHaveLength(2_400 - 10);
    expect(before.find((row) => row.key === '1')).toEqual({ key: '1', name: 'v2-1' });
    expect(await currentState(h, 'CAST(id AS VARCHAR) AS key, name')).toEqual(before);
    expect(await h.rowCount('bets')).toBe(2_420);
  });

  it('sends a range that finds no time left to start again as a new message, spending no receive', async () => {
    // Prepare
    const h = await start();
    expect(await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, manyRowGroups(3, 10)))).toEqual([]);
    await takeQueued(h);
    const range = streamRangeMessage({
      bucket: h.aws.bucket,
      key: cdcKeyAt(1),
      etag: await etagOf(h, cdcKeyAt(1)),
      rowGroups: { start: 1, end: 3 },
    });

    // Act: 600 ms left, 200 of them reserved: under the harness's 500 ms to start a file.
    const response = await h.invoke([JSON.stringify(range)], 600);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await takeQueued(h)).toEqual([JSON.stringify(range)]);
  });

  it('parks a range that cannot stream in the DLQ with its body intact and its reason logged', async () => {
    // Prepare: a range past the file's row groups (a message of another version of the object).
    const logs = capturingLogger();
    try {
      const h = await start({ logger: logs.logger });
      expect(await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, manyRowGroups(3, 10)))).toEqual(
        [],
      );
      const body = JSON.stringify(
        streamRangeMessage({
          bucket: h.aws.bucket,
          key: cdcKeyAt(1),
          etag: await etagOf(h, cdcKeyAt(1)),
          rowGroups: { start: 2, end: 9 },
        }),
      );
      await h.aws.sqs.send(new SendMessageCommand({ QueueUrl: h.aws.queueUrl, MessageBody: body }));

      // Act
      await h.drain({ concurrency: 1 });

      // Assess
      expect(await h.deadLetters()).toEqual([body]);
      const [error] = logs.errors();
      expect(error).toMatchObject({
        key: cdcKeyAt(1),
        rowGroups: { start: 2, end: 9 },
        permanent: true,
        reason: 'CurrentTableStreamError',
      });
    } finally {
      logs.restore();
    }
  });
});

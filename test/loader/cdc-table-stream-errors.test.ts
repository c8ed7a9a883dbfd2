import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CdcStreamError, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import type { StorageWriteEndpoint } from '../../local/bigquery-emulator/index.js';
import { type EmulatorFixture, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { cdcTable, rejection, upsert } from './cdc-stream-helpers.js';

const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
];
/** A client that refuses to send gRPC messages over 300 bytes: a connection error with a code. */
const SMALL_MESSAGES = { 'grpc.max_send_message_length': 300 };
const tableName = (target: { projectId: string; dataset: string; table: string }) =>
  `projects/${target.projectId}/datasets/${target.dataset}/tables/${target.table}`;

describe('createCdcStreamer: errors name the table and the connection error behind them', () => {
  let fixture: EmulatorFixture;
  let endpoint: StorageWriteEndpoint;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    if (fixture.emulator.storageWrite === undefined) throw new Error('no Storage Write API');
    endpoint = fixture.emulator.storageWrite;
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('gives a connection error that has a code as it is, without repeating it as the last one', async () => {
    // Prepare
    const streamer = createCdcStreamer({ ...endpoint.clientOptions, ...SMALL_MESSAGES });
    const target = await cdcTable(fixture, fields);

    // Act
    const error = await rejection(streamer.append(target, [[upsert({ id: 1, name: 'x'.repeat(500) }, '1')]]));
    await streamer.close();

    // Assess
    expect(error).toBeInstanceOf(CdcStreamError);
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryable: true });
    expect(error.message).toMatch(
      new RegExp(
        `^RESOURCE_EXHAUSTED: AppendRows to ${tableName(target)} failed: 8 RESOURCE_EXHAUSTED: [^()]*larger than 300$`,
      ),
    );
  });

  it('gives the last connection error when the client gives up without a code', async () => {
    // Prepare: a port nothing listens on once the emulator that held it has stopped.
    const other = await startEmulatorFixture({ storageWrite: true });
    const options = other.emulator.storageWrite?.clientOptions ?? {};
    await other.stop();
    const streamer = createCdcStreamer(options);
    const target = { projectId: 'local-project', dataset: 'd', table: 't', fields };

    // Act
    const error = await rejection(streamer.append(target, [[upsert({ id: 1 }, '1')]]));
    await streamer.close();

    // Assess
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(error.message).toMatch(
      /^UNAVAILABLE: AppendRows to projects\/local-project\/datasets\/d\/tables\/t failed: pending write max retries reached: \d+ attempts \(last: 14 UNAVAILABLE: .*ECONNREFUSED/,
    );
  });

  it('names the table whose default stream could not be opened', async () => {
    // Prepare: credentials from a key file that does not exist fail before any connection.
    const { sslCreds: _tls, ...rest } = endpoint.clientOptions;
    const streamer = createCdcStreamer({ ...rest, keyFilename: '/nonexistent/dms-to-bigquery-key.json' });
    const target = await cdcTable(fixture, fields);

    // Act
    const error = await rejection(streamer.append(target, [[upsert({ id: 1 }, '1')]]));

    // Assess: closing after it does not fail again with the setup error, which would replace this
    // message where a caller closes in `finally` (the CLI's rebuild-current and backfill).
    expect(error).toBeInstanceOf(CdcStreamError);
    expect(error.message).toBe(
      `UNKNOWN: Opening the default stream of ${tableName(target)} failed: ENOENT: no such file or directory, open '/nonexistent/dms-to-bigquery-key.json'`,
    );
    await expect(streamer.close()).resolves.toBeUndefined();
  });

  it('leaves no rejection unhandled while a failed request waits for the streamer to look at it', async () => {
    // Prepare: one row per request. The first request is answered UNAVAILABLE until the client gives
    // up on it (five attempts) while the streamer waits for the next batch, which comes only once
    // the emulator answered the fifth attempt and the client had the turns to take that answer.
    const streamer = createCdcStreamer(endpoint.clientOptions, { requestRowsBudget: 21 });
    const target = await cdcTable(fixture, fields);
    fixture.emulator.faults.reset();
    fixture.emulator.faults.failAppendRows({ code: 'UNAVAILABLE', times: 5 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    async function* batches() {
      yield [upsert({ id: 1 }, 'A'), upsert({ id: 2 }, 'A')];
      await vi.waitFor(() => expect(fixture.emulator.faults.injected).toBe(5), { timeout: 10_000 });
      for (let turn = 0; turn < 100 && unhandled.length === 0; turn += 1) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }

    // Act
    let error: Error & Record<string, unknown>;
    try {
      error = await rejection(streamer.append(target, batches()));
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await streamer.close();
    }

    // Assess
    expect(error.message).toContain(
      `AppendRows to ${tableName(target)} failed: pending write max retries reached`,
    );
    expect(unhandled).toEqual([]);
  });
});

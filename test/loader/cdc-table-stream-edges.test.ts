import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import type { StorageWriteStats } from '../../local/bigquery-emulator/storage-write/server.js';
import { type EmulatorFixture, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { cdcTable, currentRows, rejection, upsert } from './cdc-stream-helpers.js';

const fields = [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }];
/** upsert({ id < 128 }, 'A'): 2 (id) + 4 (sequence) + 9 (change type) bytes, plus 6 of framing. */
const ROW_BYTES = 21;
const rowsOf = (ids: number[]) => ids.map((id) => upsert({ id }, 'A'));

describe('createCdcStreamer: requests, connections and their lifetime', () => {
  let fixture: EmulatorFixture;
  let stats: StorageWriteStats;
  let options: Record<string, unknown>;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    const endpoint = fixture.emulator.storageWrite;
    if (endpoint === undefined) throw new Error('the emulator did not start the Storage Write API');
    stats = endpoint.stats;
    options = endpoint.clientOptions;
  });
  beforeEach(() => fixture.emulator.faults.reset());
  afterAll(async () => {
    await fixture.stop();
  });

  it('puts a row exactly as large as the budget alone in a request', async () => {
    // Prepare
    const streamer = createCdcStreamer(options, { requestRowsBudget: ROW_BYTES });
    const target = await cdcTable(fixture, fields);

    // Act
    const result = await streamer.append(target, [rowsOf([1, 2, 3])]);
    await streamer.close();

    // Assess
    expect(result).toEqual({ rows: 3, requests: 3 });
    expect(await currentRows(fixture, target)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('fills a request up to exactly the budget', async () => {
    // Prepare
    const streamer = createCdcStreamer(options, { requestRowsBudget: 2 * ROW_BYTES });
    const target = await cdcTable(fixture, fields);
    const before = stats.requests;

    // Act
    const result = await streamer.append(target, [rowsOf([1, 2, 3, 4])]);
    await streamer.close();

    // Assess
    expect(result).toEqual({ rows: 4, requests: 2 });
    expect(stats.requests - before).toBe(2);
  });

  it('sends no request for no rows', async () => {
    // Prepare
    const streamer = createCdcStreamer(options);
    const target = await cdcTable(fixture, fields);
    const before = stats.requests;

    // Act
    const result = await streamer.append(target, [[], []]);
    await streamer.close();

    // Assess
    expect(result).toEqual({ rows: 0, requests: 0 });
    expect(stats.requests).toBe(before);
  });

  it('has three requests on the wire before it waits for the oldest answer', async () => {
    // Prepare: one row per request; the first is refused, which the streamer learns only once it
    // waits for that answer, so the requests sent until then are exactly the ones in flight.
    const streamer = createCdcStreamer(options, { requestRowsBudget: ROW_BYTES });
    const target = await cdcTable(fixture, fields);
    const before = stats.requests;

    // Act
    const error = await rejection(
      streamer.append(target, [[upsert({ id: 0 }, 'G'), ...rowsOf([1, 2, 3, 4, 5, 6, 7])]]),
    );
    await streamer.close();

    // Assess
    expect(error.message).toMatch(/row 0: FIELDS_ERROR Invalid _CHANGE_SEQUENCE_NUMBER "G"/);
    expect(stats.requests - before).toBe(3);
    expect(await currentRows(fixture, target)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('answers a refusal only once the requests still in flight are settled, resent ones included', async () => {
    // Prepare: the first request is refused for quota; the next two, and their first resends, come
    // back UNAVAILABLE, which the client resends on its own (appends are idempotent here).
    const streamer = createCdcStreamer(options, { requestRowsBudget: ROW_BYTES });
    const target = await cdcTable(fixture, fields);
    fixture.emulator.faults.failAppendRows({ code: 'RESOURCE_EXHAUSTED' });
    fixture.emulator.faults.failAppendRows({ code: 'UNAVAILABLE', times: 4 });

    // Act
    const error = await rejection(streamer.append(target, [rowsOf([0, 1, 2])]));
    const injectedWhenRejected = fixture.emulator.faults.injected;
    await streamer.close();

    // Assess
    expect(error).toMatchObject({ code: 'RESOURCE_EXHAUSTED' });
    expect(injectedWhenRejected).toBe(5);
    expect(await currentRows(fixture, target)).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('lets the client resend a request answered UNAVAILABLE', async () => {
    // Prepare
    const streamer = createCdcStreamer(options);
    const target = await cdcTable(fixture, fields);
    fixture.emulator.faults.failAppendRows({ code: 'UNAVAILABLE' });

    // Act
    const result = await streamer.append(target, [rowsOf([1])]);
    await streamer.close();

    // Assess
    expect(fixture.emulator.faults.injected).toBe(1);
    expect(result).toEqual({ rows: 1, requests: 1 });
    expect(await currentRows(fixture, target)).toEqual([{ id: 1 }]);
  });

  it('opens one connection per table and reuses it while the schema stays', async () => {
    // Prepare
    const streamer = createCdcStreamer(options);
    const first = await cdcTable(fixture, fields);
    const second = await cdcTable(fixture, fields);
    const before = stats.connections;

    // Act: the same schema, given as new objects each time, as tables.get would.
    await streamer.append(first, [rowsOf([1])]);
    await streamer.append({ ...first, fields: fields.map((field) => ({ ...field })) }, [rowsOf([2])]);
    await streamer.append(second, [rowsOf([1])]);
    await streamer.append(first, [rowsOf([3])]);
    const opened = stats.connections - before;
    await streamer.close();

    // Assess
    expect(opened).toBe(2);
    expect(await currentRows(fixture, first)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('keeps one connection-error listener however many appends reuse the connection', async () => {
    // Prepare: Node warns once an emitter holds more than 10 listeners for one event.
    const streamer = createCdcStreamer(options);
    const target = await cdcTable(fixture, fields);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);

    // Act
    try {
      for (let id = 0; id < 12; id += 1) await streamer.append(target, [rowsOf([id])]);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
      await streamer.close();
    }

    // Assess
    expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  });

  it('ends every connection it opened when closed', async () => {
    // Prepare
    const streamer = createCdcStreamer(options);
    const first = await cdcTable(fixture, fields);
    const second = await cdcTable(fixture, fields);
    const before = stats.openConnections;
    await streamer.append(first, [rowsOf([1])]);
    await streamer.append(second, [rowsOf([1])]);
    const whileOpen = stats.openConnections - before;

    // Act
    await streamer.close();

    // Assess
    expect(whileOpen).toBe(2);
    await vi.waitFor(() => expect(stats.openConnections).toBe(before));
  });

  it('ends, when closed, a connection opened for a table whose schema it cannot stream', async () => {
    // Prepare: the connection opens before the schema is looked at.
    const streamer = createCdcStreamer(options);
    const target = await cdcTable(fixture, fields);
    const before = stats.openConnections;
    const repeated = [...fields, { name: 'tags', type: 'STRING', mode: 'REPEATED' }];
    const error = await rejection(streamer.append({ ...target, fields: repeated }, [rowsOf([1])]));
    await vi.waitFor(() => expect(stats.openConnections).toBe(before + 1));

    // Act
    await streamer.close();

    // Assess
    expect(error.message).toContain('column tags (REPEATED STRING) cannot be streamed to a CDC table');
    await vi.waitFor(() => expect(stats.openConnections).toBe(before));
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CdcStreamError,
  type CdcStreamer,
  createCdcStreamer,
} from '../../lambdas/shared/bigquery/cdc-stream.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { cdcTable, currentRows, rejection, upsert } from './cdc-stream-helpers.js';

const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
];

describe('createCdcStreamer: refusals become CdcStreamError with the gRPC code', () => {
  let fixture: EmulatorFixture;
  let streamer: CdcStreamer;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    streamer = createCdcStreamer(fixture.emulator.storageWrite?.clientOptions ?? {});
  });
  afterAll(async () => {
    await streamer.close();
    await fixture.stop();
  });

  it('rejects NOT_FOUND, not retryable, for a table that does not exist', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    const target = { projectId: fixture.emulator.projectId, dataset, table: 'missing', fields };

    // Act
    const error = await rejection(streamer.append(target, [[upsert({ id: 1 }, '1')]]));

    // Assess
    expect(error).toBeInstanceOf(CdcStreamError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', retryable: false });
    expect(error.message).toContain(`datasets/${dataset}/tables/missing`);
  });

  it('rejects INVALID_ARGUMENT with the refused row named, and appends none of the request', async () => {
    // Prepare
    const target = await cdcTable(fixture, fields);

    // Act
    const error = await rejection(
      streamer.append(target, [
        [upsert({ id: 1, name: 'a' }, '1')],
        [upsert({ id: 2, name: 'b' }, '1/2/3/4/5')],
      ]),
    );

    // Assess
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(error.message).toMatch(/row 1: FIELDS_ERROR Invalid _CHANGE_SEQUENCE_NUMBER "1\/2\/3\/4\/5"/);
    expect(await currentRows(fixture, target)).toEqual([]);
  });

  it('counts row indexes from the first row of the call across requests', async () => {
    // Prepare: one row per request, the third refused.
    const small = createCdcStreamer(fixture.emulator.storageWrite?.clientOptions ?? {}, {
      requestRowsBudget: 30,
    });
    const target = await cdcTable(fixture, fields);
    const rows = [upsert({ id: 1 }, '1'), upsert({ id: 2 }, '1'), upsert({ id: 3 }, 'XYZ')];

    // Act
    const error = await rejection(small.append(target, [rows]));
    await small.close();

    // Assess
    expect(error.message).toMatch(/row 2: FIELDS_ERROR Invalid _CHANGE_SEQUENCE_NUMBER "XYZ"/);
    expect(await currentRows(fixture, target)).toEqual([
      { id: 1, name: null },
      { id: 2, name: null },
    ]);
  });

  it('rejects a value that does not fit its column before sending anything', async () => {
    // Prepare
    const target = await cdcTable(fixture, fields);

    // Act
    const error = await rejection(streamer.append(target, [[upsert({ id: 'one' }, '1')]]));

    // Assess
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(error.message).toContain('row 0');
    expect(error.message).toContain('column id: "one" is not an integer');
  });

  it('rejects a column the table does not have, naming it', async () => {
    // Prepare
    const target = await cdcTable(fixture, fields);

    // Act
    const error = await rejection(streamer.append(target, [[upsert({ id: 1, extra: 'x' }, '1')]]));

    // Assess
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain('has no column extra');
  });

  it('rejects a row larger than a request may carry', async () => {
    // Prepare
    const target = await cdcTable(fixture, fields);

    // Act
    const error = await rejection(
      streamer.append(target, [[upsert({ id: 1, name: 'x'.repeat(9_500_000) }, '1')]]),
    );

    // Assess
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(error.message).toMatch(/row 0 .* more than an AppendRows request may carry/);
  });

  it('keeps the connection usable after a refusal', async () => {
    // Prepare
    const target = await cdcTable(fixture, fields);
    await rejection(streamer.append(target, [[upsert({ id: 1 }, 'not-hex')]]));

    // Act
    const result = await streamer.append(target, [[upsert({ id: 1, name: 'ok' }, '1')]]);

    // Assess
    expect(result).toEqual({ rows: 1, requests: 1 });
    expect(await currentRows(fixture, target)).toEqual([{ id: 1, name: 'ok' }]);
  });

  it('rejects UNAVAILABLE, retryable, when the service cannot be reached', async () => {
    // Prepare: a port nothing listens on once the emulator that held it has stopped.
    const other = await startEmulatorFixture({ storageWrite: true });
    const options = other.emulator.storageWrite?.clientOptions ?? {};
    await other.stop();
    const unreachable = createCdcStreamer(options);
    const target = { projectId: 'local-project', dataset: 'd', table: 't', fields };

    // Act
    const error = await rejection(unreachable.append(target, [[upsert({ id: 1 }, '1')]]));
    await unreachable.close();

    // Assess
    expect(error).toBeInstanceOf(CdcStreamError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });
});

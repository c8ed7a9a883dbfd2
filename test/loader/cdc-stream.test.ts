import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdcStreamer, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { type EmulatorFixture, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { cdcTable, currentRows, remove, upsert } from './cdc-stream-helpers.js';

const allTypes = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'big', type: 'INTEGER' },
  { name: 'ratio', type: 'FLOAT' },
  { name: 'amount', type: 'NUMERIC' },
  { name: 'huge', type: 'BIGNUMERIC' },
  { name: 'label', type: 'STRING' },
  { name: 'blob', type: 'BYTES' },
  { name: 'flag', type: 'BOOLEAN' },
  { name: 'at', type: 'TIMESTAMP' },
  { name: 'day', type: 'DATE' },
  { name: 'local', type: 'DATETIME' },
  { name: 'clock', type: 'TIME' },
  { name: 'doc', type: 'JSON' },
];

describe('createCdcStreamer: appends changes to a CDC table through the production managed writer', () => {
  let fixture: EmulatorFixture;
  let streamer: CdcStreamer;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    const endpoint = fixture.emulator.storageWrite;
    if (endpoint === undefined) throw new Error('the emulator did not start the Storage Write API');
    streamer = createCdcStreamer(endpoint.clientOptions);
  });
  afterAll(async () => {
    await streamer.close();
    await fixture.stop();
  });

  it('round-trips every canonical type', async () => {
    // Prepare
    const target = await cdcTable(fixture, allTypes);
    const values = {
      id: 1n,
      big: '-9223372036854775808',
      ratio: -1.5,
      amount: '-12.50',
      huge: '123456789012345678901234567890.123456789',
      label: 'né',
      blob: new Uint8Array([0, 255, 7]),
      flag: false,
      at: 1_700_000_000_123_456n,
      day: -1,
      local: '2024-02-29 23:59:59.999999',
      clock: '07:08:09.5',
      doc: '{"a":[1,2]}',
    };

    // Act
    const result = await streamer.append(target, [[upsert(values, '1/0/0/0'), upsert({ id: 2 }, '1/0/0/0')]]);

    // Assess
    expect(result).toEqual({ rows: 2, requests: 1 });
    const [row = {}, nulls] = await currentRows(fixture, target);
    expect(row).toMatchObject({
      id: 1,
      ratio: -1.5,
      label: 'né',
      blob: Buffer.from([0, 255, 7]),
      flag: false,
      doc: '{"a":[1,2]}',
    });
    const [exact] = await fixture.emulator.query(
      `SELECT big::VARCHAR AS big FROM "${target.dataset}".t_current WHERE id = 1`,
    );
    expect(exact?.big).toBe('-9223372036854775808');
    const [decimals] = await fixture.bigquery.query(
      `SELECT CAST(amount AS STRING) AS amount FROM \`${target.dataset}.t_current\` WHERE id = 1`,
    );
    expect(decimals?.[0]).toEqual({ amount: '-12.5' });
    // The client hands BIGNUMERIC back as a Big; toFixed() prints every digit.
    expect((row.huge as { toFixed(): string }).toFixed()).toBe('123456789012345678901234567890.123456789');
    expect((row.at as { value: string }).value).toBe('2023-11-14T22:13:20.123456000Z');
    expect((row.day as { value: string }).value).toBe('1969-12-31');
    expect((row.local as { value: string }).value).toBe('2024-02-29T23:59:59.999999');
    expect((row.clock as { value: string }).value).toBe('07:08:09.5');
    expect(Object.entries(nulls ?? {}).filter(([, value]) => value !== null)).toEqual([['id', 2]]);
  });

  it('splits rows past the request size limit into several requests, all applied', async () => {
    // Prepare: twelve rows of ~1 MB, more than one 10 MB request can carry.
    const target = await cdcTable(fixture, [
      { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
      { name: 'payload', type: 'STRING' },
    ]);
    const rows = Array.from({ length: 12 }, (_, id) => upsert({ id, payload: 'x'.repeat(1_000_000) }, '1'));

    // Act
    const result = await streamer.append(target, [rows.slice(0, 5), rows.slice(5)]);

    // Assess
    expect(result).toEqual({ rows: 12, requests: 2 });
    const [summary] = await fixture.emulator.query(
      `SELECT count(*)::INTEGER AS n, min(length(payload))::INTEGER AS shortest FROM "${target.dataset}".t_current`,
    );
    expect(summary).toEqual({ n: 12, shortest: 1_000_000 });
  });

  it('keeps each request within a smaller budget when given one', async () => {
    // Prepare
    const endpoint = fixture.emulator.storageWrite;
    const small = createCdcStreamer(endpoint?.clientOptions ?? {}, { requestRowsBudget: 200 });
    const target = await cdcTable(fixture, [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }]);
    const rows = Array.from({ length: 40 }, (_, id) => upsert({ id }, 'A'));

    // Act
    const result = await small.append(target, [rows]);
    await small.close();

    // Assess: a row is 2 (id) + 4 (sequence) + 9 (change type) bytes plus 6 of framing: 9 per request.
    expect(result).toEqual({ rows: 40, requests: 5 });
    expect(await currentRows(fixture, target)).toHaveLength(40);
  });

  it('leaves the same state when the same changes are appended again', async () => {
    // Prepare
    const target = await cdcTable(fixture, [
      { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
      { name: 'name', type: 'STRING' },
    ]);
    const changes = [
      upsert({ id: 1, name: 'a' }, '1/1/0/1'),
      upsert({ id: 1, name: 'b' }, '1/1/0/2'),
      upsert({ id: 2, name: 'c' }, '1/1/0/1'),
      remove({ id: 2 }, '1/1/0/3'),
    ];
    await streamer.append(target, [changes]);
    const once = await currentRows(fixture, target);

    // Act
    await streamer.append(target, [changes.slice(2), changes.slice(0, 2)]);

    // Assess
    expect(once).toEqual([{ id: 1, name: 'b' }]);
    expect(await currentRows(fixture, target)).toEqual(once);
  });

  it('streams a column added to the table after the connection opened', async () => {
    // Prepare
    const target = await cdcTable(fixture, [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }]);
    await streamer.append(target, [[upsert({ id: 1 }, '1')]]);
    const fields = [...target.fields, { name: 'note', type: 'STRING', mode: 'NULLABLE' }];
    await fixture.bigquery.dataset(target.dataset).table(target.table).setMetadata({ schema: { fields } });

    // Act
    await streamer.append({ ...target, fields }, [[upsert({ id: 1, note: 'added' }, '2')]]);

    // Assess
    expect(await currentRows(fixture, target)).toEqual([{ id: 1, note: 'added' }]);
  });

  it('accepts an async iterable of batches', async () => {
    // Prepare
    const target = await cdcTable(fixture, [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }]);
    async function* batches() {
      yield [upsert({ id: 1 }, '1')];
      yield [];
      yield [upsert({ id: 2 }, '1'), remove({ id: 1 }, '2')];
    }

    // Act
    const result = await streamer.append(target, batches());

    // Assess
    expect(result).toEqual({ rows: 3, requests: 1 });
    expect(await currentRows(fixture, target)).toEqual([{ id: 2 }]);
  });
});

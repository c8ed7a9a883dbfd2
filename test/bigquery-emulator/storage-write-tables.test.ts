import { type managedwriter, protos } from '@google-cloud/bigquery-storage';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';
import { createTable, openWriter, tableRows, writerClient } from './storage-write-helpers.js';

describe('emulated Storage Write API: plain appends, GetWriteStream, CDC table resources', () => {
  let fixture: EmulatorFixture;
  let client: managedwriter.WriterClient;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    client = writerClient(fixture);
  });
  afterAll(async () => {
    client.close();
    await fixture.stop();
  });

  it('appends rows as they come to a table without a primary key, duplicates included', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'events', [
      { name: 'id', type: 'INTEGER' },
      { name: 'what', type: 'STRING' },
    ]);
    const writer = await openWriter(fixture, client, dataset, 'events', { cdc: false });

    // Act
    await writer.append([{ id: 1, what: 'a' }]);
    const result = await writer.append([
      { id: 1, what: 'a' },
      { id: 2, what: 'b' },
    ]);

    // Assess
    expect(result.appendResult?.offset ?? null).toBeNull();
    expect(await tableRows(fixture, dataset, 'events', 'id')).toEqual([
      { id: 1, what: 'a' },
      { id: 1, what: 'a' },
      { id: 2, what: 'b' },
    ]);
    writer.close();
  });

  it('writes each column type from the values the JSONWriter encodes', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    const fields = [
      { name: 'i', type: 'INTEGER' },
      { name: 'f', type: 'FLOAT' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 'n', type: 'NUMERIC' },
      { name: 'bn', type: 'BIGNUMERIC' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'd', type: 'DATE' },
      { name: 'dt', type: 'DATETIME' },
      { name: 'raw', type: 'BYTES' },
    ];
    await createTable(fixture, dataset, 'types', fields);
    const writer = await openWriter(fixture, client, dataset, 'types', { cdc: false });

    // Act
    const result = await writer.append([
      {
        i: '9007199254740993',
        f: 1.5,
        b: true,
        n: '123.456',
        bn: '12345678901234567890.123456789012345678901234567890123456',
        ts: new Date('2024-03-27T01:43:03.888Z'),
        d: new Date('2024-03-27T00:00:00Z'),
        dt: '2024-03-27 01:43:03.123456',
        raw: Buffer.from('hi').toString('base64'),
      },
    ]);

    // Assess
    expect(result.error).toBeFalsy();
    const [row] = await fixture.emulator.query(
      `SELECT i::VARCHAR i, f, b, n::VARCHAR n, ts::VARCHAR ts, d::VARCHAR d, dt::VARCHAR dt, raw::VARCHAR raw FROM "${dataset}".types`,
    );
    expect(row).toEqual({
      i: '9007199254740993',
      f: 1.5,
      b: true,
      n: '123.456000000',
      ts: '2024-03-27 01:43:03.888+00',
      d: '2024-03-27',
      dt: '2024-03-27 01:43:03.123456',
      raw: 'hi',
    });
    const [big] = await fixture.bigquery.query(`SELECT bn FROM \`${dataset}.types\``);
    expect(String(big[0]?.bn)).toBe('12345678901234567890.123456789012345678901234567890123456');
    writer.close();
  });

  it('returns the default stream with the table schema from GetWriteStream', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 't', [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }], ['id']);
    const streamId = `projects/local-project/datasets/${dataset}/tables/t/streams/_default`;

    // Act
    const stream = await client.getWriteStream({
      streamId,
      view: protos.google.cloud.bigquery.storage.v1.WriteStreamView.FULL,
    });

    // Assess
    expect(stream).toMatchObject({
      name: streamId,
      type: 'COMMITTED',
      writeMode: 'INSERT',
      tableSchema: { fields: [{ name: 'id', type: 'INT64', mode: 'REQUIRED' }] },
    });
  });

  it('answers NOT_FOUND from GetWriteStream for a missing table', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);

    // Act
    const error = await client
      .getWriteStream({ streamId: `projects/local-project/datasets/${dataset}/tables/nope/streams/_default` })
      .catch((e: unknown) => e);

    // Assess
    expect((error as { code?: number }).code).toBe(status.NOT_FOUND);
  });

  it('stores a primary key, max staleness and clustering that tables.get returns', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);

    // Act
    await createTable(fixture, dataset, 't', [{ name: 'id', type: 'INTEGER' }], ['id']);

    // Assess
    const [metadata] = await fixture.bigquery.dataset(dataset).table('t').getMetadata();
    expect(metadata).toMatchObject({
      tableConstraints: { primaryKey: { columns: ['id'] } },
      maxStaleness: '0-0 0 0:15:0',
      clustering: { fields: ['id'] },
    });
  });

  it('refuses a primary key on a column the schema does not have', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);

    // Act
    const error = await fixture.bigquery
      .dataset(dataset)
      .createTable('t', {
        schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
        tableConstraints: { primaryKey: { columns: ['code'] } },
      })
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalid' });
    expect((error as Error).message).toBe(
      `Primary key column code is not found in table local-project:${dataset}.t`,
    );
  });

  it('stops while a writer still holds an AppendRows connection open', async () => {
    // Prepare
    const other = await startEmulatorFixture({ storageWrite: true });
    const otherClient = writerClient(other);
    const dataset = await freshDataset(other);
    await createTable(other, dataset, 't', [{ name: 'id', type: 'INTEGER' }]);
    const writer = await openWriter(other, otherClient, dataset, 't', { cdc: false });
    await writer.append([{ id: 1 }]);

    // Act
    const stopped = await other.stop().then(() => 'stopped');

    // Assess
    expect(stopped).toBe('stopped');
    otherClient.close();
  });
});

import { adapt, managedwriter } from '@google-cloud/bigquery-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uploadAndWait,
} from './helpers.js';
import { createTable, openWriter, tableRows, upsert, writerClient } from './storage-write-helpers.js';

const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
];
const withNote = [...fields, { name: 'note', type: 'STRING', mode: 'NULLABLE' }];
const DELAY_SECONDS = 600;

describe('emulated Storage Write API: schema changes reach it late (through the production clients)', () => {
  let fixture: EmulatorFixture;
  let client: managedwriter.WriterClient;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({
      storageWrite: true,
      clock: new EmulatorClock(),
      schemaPropagationSeconds: DELAY_SECONDS,
    });
    client = writerClient(fixture);
  });
  afterAll(async () => {
    client.close();
    await fixture.stop();
  });

  async function patchedTable() {
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'employees', fields, ['id']);
    await fixture.bigquery
      .dataset(dataset)
      .table('employees')
      .setMetadata({ schema: { fields: withNote } });
    return dataset;
  }

  it('refuses an append carrying a new column right after the patch and accepts it after the delay', async () => {
    // Prepare
    const dataset = await patchedTable();
    const writer = await openWriter(fixture, client, dataset, 'employees', { cdc: true, fields: withNote });

    // Act
    const early = await writer.append([upsert({ id: 1, name: 'a', note: 'n' }, '1')]);
    fixture.emulator.clock.advance(DELAY_SECONDS);
    const late = await writer.append([upsert({ id: 1, name: 'a', note: 'n' }, '2')]);

    // Assess
    expect(early.error).toMatchObject({
      code: 3,
      message: expect.stringContaining(
        "Input schema has more fields than BigQuery schema, extra fields: 'note'",
      ),
    });
    expect(late.error).toBeFalsy();
    expect(await tableRows(fixture, dataset, 'employees', 'id')).toEqual([{ id: 1, name: 'a', note: 'n' }]);
    writer.close();
  });

  it('accepts appends without the new column meanwhile', async () => {
    // Prepare
    const dataset = await patchedTable();
    const writer = await openWriter(fixture, client, dataset, 'employees', { cdc: true, fields });

    // Act
    const result = await writer.append([upsert({ id: 1, name: 'a' }, '1')]);

    // Assess
    expect(result.error).toBeFalsy();
    expect(await tableRows(fixture, dataset, 'employees', 'id')).toEqual([{ id: 1, name: 'a', note: null }]);
    writer.close();
  });

  it('refuses appends to a table created again under a dropped name until the delay has passed', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'employees', fields, ['id']);
    await fixture.bigquery.dataset(dataset).table('employees').delete();
    await createTable(fixture, dataset, 'employees', fields, ['id']);
    const writer = await openWriter(fixture, client, dataset, 'employees', { cdc: true, fields });

    // Act
    const early = await writer.append([upsert({ id: 1, name: 'a' }, '1')]);
    fixture.emulator.clock.advance(DELAY_SECONDS);
    const late = await writer.append([upsert({ id: 1, name: 'a' }, '1')]);

    // Assess
    expect(early.error).toMatchObject({
      code: 5,
      message: expect.stringContaining('Requested entity was not found.'),
    });
    expect(late.error).toBeFalsy();
    writer.close();
  });

  it('accepts appends to a table created under a new name at once', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'employees', fields, ['id']);
    const writer = await openWriter(fixture, client, dataset, 'employees', { cdc: true, fields });

    // Act
    const result = await writer.append([upsert({ id: 1, name: 'a' }, '1')]);

    // Assess
    expect(result.error).toBeFalsy();
    writer.close();
  });

  it('counts the delay from a load that adds a column too', async () => {
    // Prepare: a plain table (no key) whose `note` column arrives with a load job.
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'events', fields);
    fixture.emulator.clock.advance(DELAY_SECONDS);
    const file = await parquetFile(fixture, "SELECT 9::BIGINT AS id, 'x' AS name, 'loaded' AS note");
    const job = await uploadAndWait(
      fixture.bigquery.dataset(dataset).table('events'),
      file,
      loaderLoadOptions,
    );
    expect(job.status?.errorResult).toBeUndefined();
    const writer = await openWriter(fixture, client, dataset, 'events', { cdc: false, fields: withNote });

    // Act
    const early = await writer.append([{ id: 1, name: 'a', note: 'n' }]);
    fixture.emulator.clock.advance(DELAY_SECONDS - 1);
    const stillEarly = await writer.append([{ id: 1, name: 'a', note: 'n' }]);
    fixture.emulator.clock.advance(1);
    const late = await writer.append([{ id: 2, name: 'b', note: 'n' }]);

    // Assess
    expect(early.error?.code).toBe(3);
    expect(stillEarly.error?.code).toBe(3);
    expect(late.error).toBeFalsy();
    writer.close();
  });
});

describe('emulated Storage Write API: a connection keeps the writer schema of its first request', () => {
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

  it('ignores the writer schema of later requests on the same connection (storage.proto)', async () => {
    // Prepare: two writers sharing one gRPC connection, the second with one more field.
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'events', withNote);
    const descriptor = (tableFields: typeof fields) =>
      adapt.convertStorageSchemaToProto2Descriptor(
        adapt.convertBigQuerySchemaToStorageTableSchema({ fields: tableFields }),
        'root',
      );
    const connection = await client.createStreamConnection({
      streamId: managedwriter.DefaultStream,
      destinationTable: `projects/${fixture.emulator.projectId}/datasets/${dataset}/tables/events`,
    });
    const first = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor(fields) });
    const second = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor(withNote) });

    // Act
    await first.appendRows([{ id: 1, name: 'a' }]).getResult();
    const result = await second.appendRows([{ id: 2, name: 'b', note: 'n' }]).getResult();

    // Assess: the second request's rows were read with the first request's schema.
    expect(result.error).toBeFalsy();
    expect(await tableRows(fixture, dataset, 'events', 'id')).toEqual([
      { id: 1, name: 'a', note: null },
      { id: 2, name: 'b', note: null },
    ]);
    connection.close();
  });
});

describe('emulated Storage Write API without a propagation delay (the default)', () => {
  let fixture: EmulatorFixture;
  let client: managedwriter.WriterClient;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true, schemaPropagationSeconds: 0 });
    client = writerClient(fixture);
  });
  afterAll(async () => {
    client.close();
    await fixture.stop();
  });

  it('accepts the new column right after the patch', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'employees', fields, ['id']);
    await fixture.bigquery
      .dataset(dataset)
      .table('employees')
      .setMetadata({ schema: { fields: withNote } });
    const writer = await openWriter(fixture, client, dataset, 'employees', { cdc: true, fields: withNote });

    // Act
    const result = await writer.append([upsert({ id: 1, name: 'a', note: 'n' }, '1')]);

    // Assess
    expect(result.error).toBeFalsy();
    writer.close();
  });
});

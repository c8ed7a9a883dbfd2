import type { managedwriter } from '@google-cloud/bigquery-storage';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';
import { createTable, openWriter, remove, tableRows, upsert, writerClient } from './storage-write-helpers.js';

const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
];

describe('emulated Storage Write API: errors come back as BigQuery sends them', () => {
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

  async function table(primaryKey?: string[]) {
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 't', fields, primaryKey);
    return dataset;
  }

  it('answers NOT_FOUND for the default stream of a table that does not exist', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    const writer = await openWriter(fixture, client, dataset, 'missing', { cdc: false, fields });

    // Act
    const result = await writer.append([{ id: 1, name: 'a' }]);

    // Assess
    expect(result.error?.code).toBe(status.NOT_FOUND);
    expect(result.error?.message).toBe(
      `Requested entity was not found. Entity: projects/local-project/datasets/${dataset}/tables/missing/streams/_default`,
    );
    writer.close();
  });

  it('answers INVALID_ARGUMENT naming a field the table does not have', async () => {
    // Prepare
    const dataset = await table();
    const writer = await openWriter(fixture, client, dataset, 't', {
      cdc: false,
      fields: [...fields, { name: 'extra', type: 'STRING' }],
    });

    // Act
    const result = await writer.append([{ id: 1, name: 'a', extra: 'x' }]);

    // Assess
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.error?.message).toMatch(
      /^Input schema has more fields than BigQuery schema, extra fields: 'extra'/,
    );
    writer.close();
  });

  it('answers INVALID_ARGUMENT when a proto field type does not fit the column', async () => {
    // Prepare
    const dataset = await table();
    const writer = await openWriter(fixture, client, dataset, 't', {
      cdc: false,
      fields: [{ name: 'id', type: 'STRING' }, fields[1] ?? { name: 'name', type: 'STRING' }],
    });

    // Act
    const result = await writer.append([{ id: 'one', name: 'a' }]);

    // Assess
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.error?.message).toMatch(
      /^The proto field mismatched with BigQuery field at root\.id, the proto field type string, BigQuery field type INTEGER/,
    );
    writer.close();
  });

  it('refuses _CHANGE_TYPE on a table without a primary key as an extra field', async () => {
    // Prepare
    const dataset = await table();
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: true });

    // Act
    const result = await writer.append([upsert({ id: 1, name: 'a' }, '1')]);

    // Assess
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.error?.message).toMatch(/extra fields: '_CHANGE_SEQUENCE_NUMBER,_CHANGE_TYPE'/);
    expect(await tableRows(fixture, dataset, 't', 'id')).toEqual([]);
    writer.close();
  });

  it('fails the whole request with row_errors for an invalid sequence number', async () => {
    // Prepare
    const dataset = await table(['id']);
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: true });

    // Act
    const result = await writer.append([
      upsert({ id: 1, name: 'a' }, '1'),
      upsert({ id: 2, name: 'b' }, '1/2/3/4/5'),
    ]);

    // Assess
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.rowErrors?.map((row) => [String(row.index), row.code, row.message])).toEqual([
      [
        '1',
        'FIELDS_ERROR',
        'Invalid _CHANGE_SEQUENCE_NUMBER "1/2/3/4/5": expected up to 4 sections of 1 to 16 hexadecimal digits separated by "/"',
      ],
    ]);
    expect(await tableRows(fixture, dataset, 't', 'id')).toEqual([]);
    writer.close();
  });

  it('refuses a _CHANGE_TYPE other than UPSERT or DELETE', async () => {
    // Prepare
    const dataset = await table(['id']);
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: true });

    // Act
    const result = await writer.append([
      { id: 1, name: 'a', _CHANGE_TYPE: 'INSERT', _CHANGE_SEQUENCE_NUMBER: '1' },
    ]);

    // Assess
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.rowErrors?.[0]?.message).toBe('The given value is not a valid CHANGE_TYPE: INSERT');
    writer.close();
  });

  it('refuses an offset on the default stream', async () => {
    // Prepare
    const dataset = await table();
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: false });

    // Act
    const result = await writer.append([{ id: 1, name: 'a' }], 0);

    // Assess
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.error?.message).toMatch(/offset is not allowed .* '_default' stream/);
    writer.close();
  });

  it('keeps the connection usable after a refused request', async () => {
    // Prepare
    const dataset = await table(['id']);
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: true });
    await writer.append([upsert({ id: 1, name: 'a' }, 'not hex')]);

    // Act
    const result = await writer.append([upsert({ id: 1, name: 'a' }, '1'), remove({ id: 2 }, '1')]);

    // Assess
    expect(result.error).toBeFalsy();
    expect(await tableRows(fixture, dataset, 't', 'id')).toEqual([{ id: 1, name: 'a' }]);
    writer.close();
  });

  it('refuses a REQUIRED column left empty in an UPSERT, but not in a DELETE', async () => {
    // Prepare
    const dataset = await table(['name']);
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: true });

    // Act
    const refused = await writer.append([upsert({ name: 'a' }, '1')]);
    const accepted = await writer.append([remove({ name: 'a' }, '2')]);

    // Assess
    expect(refused.rowErrors?.[0]?.message).toBe('Field id is REQUIRED but the row has no value for it');
    expect(accepted.error).toBeFalsy();
    writer.close();
  });

  it("refuses a TIMESTAMP outside BigQuery's range as a row error, naming the field", async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'ts', [{ name: 'at', type: 'TIMESTAMP' }]);
    const writer = await openWriter(fixture, client, dataset, 'ts', { cdc: false });

    // Act: 10000-01-01T00:00:00Z in microseconds.
    const result = await writer.append([{ at: '253402300800000000' }]);

    // Assess
    expect(result.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(result.rowErrors?.[0]?.message).toBe('Invalid TIMESTAMP value: 253402300800000000 (field at)');
    writer.close();
  });
});

import type { managedwriter } from '@google-cloud/bigquery-storage';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';
import { createTable, openWriter, writerClient } from './storage-write-helpers.js';

const fields = [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }];

describe('emulated Storage Write API: stats count connections and requests', () => {
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

  it('counts each AppendRows connection, its requests, and its end', async () => {
    // Prepare
    const stats = fixture.emulator.storageWrite?.stats;
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 't', fields);
    const before = { ...stats };

    // Act
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: false, fields });
    await writer.append([{ id: 1 }]);
    await writer.append([{ id: 2 }]);
    const whileOpen = { ...stats };
    writer.close();

    // Assess
    expect(whileOpen).toEqual({
      connections: (before.connections ?? 0) + 1,
      openConnections: (before.openConnections ?? 0) + 1,
      requests: (before.requests ?? 0) + 2,
    });
    await vi.waitFor(() => expect(stats?.openConnections).toBe(before.openConnections));
    expect(stats?.connections).toBe(whileOpen.connections);
  });

  it('counts a request an injected fault refuses', async () => {
    // Prepare
    const stats = fixture.emulator.storageWrite?.stats;
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 't', fields);
    const writer = await openWriter(fixture, client, dataset, 't', { cdc: false, fields });
    const before = stats?.requests ?? 0;
    fixture.emulator.faults.failAppendRows({ code: 'RESOURCE_EXHAUSTED' });

    // Act
    const response = await writer.append([{ id: 1 }]);
    writer.close();

    // Assess
    expect(response.error?.code).toBe(8);
    expect(stats?.requests).toBe(before + 1);
  });
});

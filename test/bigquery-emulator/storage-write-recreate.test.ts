import type { managedwriter } from '@google-cloud/bigquery-storage';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';
import { createTable, openWriter, remove, tableRows, upsert, writerClient } from './storage-write-helpers.js';

const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
];

/**
 * BigQuery starts a table created again under a deleted one's name empty, with none of the old
 * table's CDC history: a rebuilt `_current` table must accept sequence numbers lower than those its
 * predecessor had seen.
 */
describe('emulated Storage Write API: a CDC table deleted and created again starts afresh', () => {
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
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Deletes and creates the table within one millisecond, so both have the same creationTime. */
  async function recreateAtOnce(dataset: string, drop: () => Promise<unknown>): Promise<void> {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00.000Z'));
    await drop();
    await createTable(fixture, dataset, 'users', fields, ['id']);
    vi.useRealTimers();
  }

  async function tableWithHistory(): Promise<string> {
    const dataset = await freshDataset(fixture);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-30T12:00:00.000Z'));
    await createTable(fixture, dataset, 'users', fields, ['id']);
    vi.useRealTimers();
    const writer = await openWriter(fixture, client, dataset, 'users', { cdc: true });
    await writer.append([upsert({ id: 1, name: 'new' }, 'FF'), remove({ id: 2 }, 'FF')]);
    writer.close();
    return dataset;
  }

  it('accepts lower sequence numbers after tables.delete and tables.insert', async () => {
    // Prepare
    const dataset = await tableWithHistory();
    await recreateAtOnce(dataset, () => fixture.bigquery.dataset(dataset).table('users').delete());
    const writer = await openWriter(fixture, client, dataset, 'users', { cdc: true });

    // Act
    await writer.append([upsert({ id: 1, name: 'rebuilt' }, '1'), upsert({ id: 2, name: 'back' }, '1')]);

    // Assess
    expect(await tableRows(fixture, dataset, 'users', 'id')).toEqual([
      { id: 1, name: 'rebuilt' },
      { id: 2, name: 'back' },
    ]);
    writer.close();
  });

  it('accepts lower sequence numbers after its dataset was deleted with its contents and created again', async () => {
    // Prepare
    const dataset = await tableWithHistory();
    await recreateAtOnce(dataset, async () => {
      await fixture.bigquery.dataset(dataset).delete({ force: true });
      await fixture.bigquery.createDataset(dataset);
    });
    const writer = await openWriter(fixture, client, dataset, 'users', { cdc: true });

    // Act
    await writer.append([upsert({ id: 1, name: 'rebuilt' }, '1')]);

    // Assess
    expect(await tableRows(fixture, dataset, 'users', 'id')).toEqual([{ id: 1, name: 'rebuilt' }]);
    writer.close();
  });

  it('forgets the sequence numbers of a deleted table', async () => {
    // Prepare
    const dataset = await tableWithHistory();

    // Act
    await fixture.bigquery.dataset(dataset).table('users').delete();

    // Assess
    const left = await fixture.emulator.query(
      `SELECT count(*)::INTEGER AS n FROM _bq_emulator.cdc_sequences WHERE starts_with(table_key, '${dataset}.users@')`,
    );
    expect(left).toEqual([{ n: 0 }]);
  });

  it('keeps ignoring older changes in a table that was not deleted', async () => {
    // Prepare
    const dataset = await tableWithHistory();
    const writer = await openWriter(fixture, client, dataset, 'users', { cdc: true });

    // Act
    await writer.append([upsert({ id: 1, name: 'old' }, '1'), upsert({ id: 2, name: 'old' }, '1')]);

    // Assess
    expect(await tableRows(fixture, dataset, 'users', 'id')).toEqual([{ id: 1, name: 'new' }]);
    writer.close();
  });
});

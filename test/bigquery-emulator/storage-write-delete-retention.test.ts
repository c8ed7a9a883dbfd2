import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import type { managedwriter } from '@google-cloud/bigquery-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import { startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';
import { createTable, openWriter, remove, tableRows, upsert, writerClient } from './storage-write-helpers.js';

const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
];
const DAY = 86_400;

describe('emulated Storage Write API: CDC deletes are kept two days (through @google-cloud/bigquery-storage)', () => {
  let fixture: EmulatorFixture;
  let client: managedwriter.WriterClient;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true, clock: new EmulatorClock() });
    client = writerClient(fixture);
  });
  afterAll(async () => {
    client.close();
    await fixture.stop();
  });

  async function deletedKey() {
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'employees', fields, ['id']);
    const writer = await openWriter(fixture, client, dataset, 'employees', { cdc: true });
    await writer.append([upsert({ id: 1, name: 'before' }, '10')]);
    await writer.append([remove({ id: 1 }, '20')]);
    return { dataset, writer };
  }
  const names = async (dataset: string) =>
    (await tableRows(fixture, dataset, 'employees', 'id')).map((row) => row.name);

  it('ignores an older UPSERT one day after the DELETE and applies it three days after', async () => {
    // Prepare
    const { dataset, writer } = await deletedKey();

    // Act
    fixture.emulator.clock.advance(DAY);
    const oneDayLater = await writer.append([upsert({ id: 1, name: 'replayed' }, '15')]);
    const afterOneDay = await names(dataset);
    fixture.emulator.clock.advance(2 * DAY);
    const threeDaysLater = await writer.append([upsert({ id: 1, name: 'replayed' }, '15')]);

    // Assess
    expect(oneDayLater.error).toBeFalsy();
    expect(threeDaysLater.error).toBeFalsy();
    expect(afterOneDay).toEqual([]);
    expect(await names(dataset)).toEqual(['replayed']);
    writer.close();
  });

  it('keeps the delete until two full days have passed', async () => {
    // Prepare
    const { dataset, writer } = await deletedKey();

    // Act
    fixture.emulator.clock.advance(2 * DAY - 1);
    await writer.append([upsert({ id: 1, name: 'replayed' }, '15')]);
    const justBefore = await names(dataset);
    fixture.emulator.clock.advance(1);
    await writer.append([upsert({ id: 1, name: 'replayed' }, '15')]);

    // Assess
    expect(justBefore).toEqual([]);
    expect(await names(dataset)).toEqual(['replayed']);
    writer.close();
  });

  it('still orders a newer UPSERT after the delete, and an older one against a live row, forever', async () => {
    // Prepare
    const { dataset, writer } = await deletedKey();
    await writer.append([upsert({ id: 2, name: 'live' }, '30')]);

    // Act
    fixture.emulator.clock.advance(10 * DAY);
    await writer.append([upsert({ id: 2, name: 'older' }, '15')]);

    // Assess: only deletes expire; an UPSERT's number stays with its row.
    expect(await names(dataset)).toEqual(['live']);
    writer.close();
  });

  it('moves the clock through POST /_emulator/clock', async () => {
    // Prepare
    const { dataset, writer } = await deletedKey();
    const before = fixture.emulator.clock.now();

    // Act
    const response = await fetch(`${fixture.emulator.url}/_emulator/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 3 * DAY }),
    });
    const body = (await response.json()) as { now: string; offsetSeconds: number };
    await writer.append([upsert({ id: 1, name: 'replayed' }, '15')]);

    // Assess
    expect(response.status).toBe(200);
    expect(Date.parse(body.now) - before).toBeGreaterThanOrEqual(3 * DAY * 1000);
    expect(body.offsetSeconds).toBe(fixture.emulator.clock.offsetSeconds);
    expect(await names(dataset)).toEqual(['replayed']);
    writer.close();
  });

  it('refuses a POST /_emulator/clock without a number, naming the field', async () => {
    // Act
    const response = await fetch(`${fixture.emulator.url}/_emulator/clock`, {
      method: 'POST',
      body: JSON.stringify({ advanceSeconds: '1d' }),
    });

    // Assess
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('advanceSeconds');
  });
});

describe('a warehouse file keeps the delete times of the process that wrote them', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bq-emulator-retention-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function appendOnce(offsetSeconds: number, rows: Parameters<typeof upsert>[0][], create: boolean) {
    const emulator = await startBigQueryEmulator({
      dbPath: join(dir, 'warehouse.duckdb'),
      storageWrite: true,
      jobStateDelayMs: 10,
      clock: new EmulatorClock(offsetSeconds),
    });
    const fixture: EmulatorFixture = {
      emulator,
      bigquery: new BigQuery(emulator.clientOptions),
      dir,
      stop: () => emulator.stop(),
    };
    const client = writerClient(fixture);
    try {
      if (create) {
        await fixture.bigquery.createDataset('retention');
        await createTable(fixture, 'retention', 'employees', fields, ['id']);
      }
      const writer = await openWriter(fixture, client, 'retention', 'employees', { cdc: true });
      for (const row of rows) await writer.append([row]);
      writer.close();
      return (await tableRows(fixture, 'retention', 'employees', 'id')).map((row) => row.name);
    } finally {
      client.close();
      await emulator.stop();
    }
  }

  it('applies an older UPSERT in a later process whose clock is three days ahead', async () => {
    // Prepare
    await appendOnce(0, [upsert({ id: 1, name: 'before' }, '10'), remove({ id: 1 }, '20')], true);

    // Act
    const sameDay = await appendOnce(0, [upsert({ id: 1, name: 'replayed' }, '15')], false);
    const threeDaysLater = await appendOnce(3 * DAY, [upsert({ id: 1, name: 'replayed' }, '15')], false);

    // Assess
    expect(sameDay).toEqual([]);
    expect(threeDaysLater).toEqual(['replayed']);
  });
});

import type { managedwriter } from '@google-cloud/bigquery-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';
import { createTable, openWriter, remove, tableRows, upsert, writerClient } from './storage-write-helpers.js';

const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'name', type: 'STRING' },
  { name: 'salary', type: 'INTEGER' },
];

describe('emulated Storage Write API: CDC tables (through @google-cloud/bigquery-storage)', () => {
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

  async function cdcTable(sequence = true) {
    const dataset = await freshDataset(fixture);
    await createTable(fixture, dataset, 'employees', fields, ['id']);
    const writer = await openWriter(fixture, client, dataset, 'employees', { cdc: true, sequence });
    return { dataset, writer };
  }
  const state = (dataset: string) => tableRows(fixture, dataset, 'employees', 'id');

  it('applies the documentation example: a DELETE, an update and an insert', async () => {
    // Prepare
    const { dataset, writer } = await cdcTable();
    await writer.append([
      upsert({ id: 100, name: 'Charlie', salary: 2000 }, '1'),
      upsert({ id: 101, name: 'Tal', salary: 3000 }, '1'),
      upsert({ id: 102, name: 'Lee', salary: 5000 }, '1'),
    ]);

    // Act
    const result = await writer.append([
      remove({ id: 100 }, '2'),
      upsert({ id: 101, name: 'Tal', salary: 8000 }, '2'),
      upsert({ id: 105, name: 'Izumi', salary: 6000 }, '2'),
    ]);

    // Assess
    expect(result.error).toBeFalsy();
    expect(result.appendResult).toBeTruthy();
    expect(await state(dataset)).toEqual([
      { id: 101, name: 'Tal', salary: 8000 },
      { id: 102, name: 'Lee', salary: 5000 },
      { id: 105, name: 'Izumi', salary: 6000 },
    ]);
    writer.close();
  });

  it('leaves the same state when the same batch is appended twice', async () => {
    // Prepare
    const { dataset, writer } = await cdcTable();
    const batch = [
      upsert({ id: 1, name: 'a', salary: 1 }, 'A'),
      upsert({ id: 1, name: 'b', salary: 2 }, 'B'),
      upsert({ id: 2, name: 'c', salary: 3 }, 'A'),
      remove({ id: 2 }, 'C'),
    ];
    await writer.append(batch);
    const once = await state(dataset);

    // Act
    await writer.append(batch);

    // Assess
    expect(once).toEqual([{ id: 1, name: 'b', salary: 2 }]);
    expect(await state(dataset)).toEqual(once);
    writer.close();
  });

  it('ignores an older change appended after a newer one, deletes included', async () => {
    // Prepare
    const { dataset, writer } = await cdcTable();
    await writer.append([upsert({ id: 1, name: 'new', salary: 2 }, '20'), remove({ id: 2 }, '20')]);

    // Act
    await writer.append([
      upsert({ id: 1, name: 'old', salary: 1 }, '10'),
      upsert({ id: 2, name: 'old', salary: 1 }, '10'),
    ]);

    // Assess
    expect(await state(dataset)).toEqual([{ id: 1, name: 'new', salary: 2 }]);
    writer.close();
  });

  it.each([
    ['FF', '100', '100'],
    ['1/2', '1/10', '1/10'],
    ['BA/FFFFFFFF', 'ABC', 'ABC'],
    ['ABC', 'FFF/ABC', 'FFF/ABC'],
  ])('compares %s and %s section by section as numbers (%s wins in either order)', async (a, b, winner) => {
    // Prepare
    const { dataset, writer } = await cdcTable();
    const row = (id: number, sequence: string) => upsert({ id, name: sequence, salary: 0 }, sequence);

    // Act: key 1 gets a then b, key 2 gets b then a.
    await writer.append([row(1, a), row(2, b)]);
    await writer.append([row(1, b), row(2, a)]);

    // Assess
    expect((await state(dataset)).map((r) => r.name)).toEqual([winner, winner]);
    writer.close();
  });

  it('gives equal sequence numbers to the later arrival', async () => {
    // Prepare
    const { dataset, writer } = await cdcTable();
    await writer.append([upsert({ id: 1, name: 'first', salary: 1 }, '5')]);

    // Act
    await writer.append([upsert({ id: 1, name: 'second', salary: 1 }, '5')]);

    // Assess
    expect(await state(dataset)).toEqual([{ id: 1, name: 'second', salary: 1 }]);
    writer.close();
  });

  it('applies changes without sequence numbers by request in arrival order, the first row of a key within one', async () => {
    // Prepare
    const { dataset, writer } = await cdcTable(false);

    // Act: within one request the rows share an ingestion time; java-bigquerystorage#2404 reports
    // that the first row of a key then takes precedence.
    await writer.append([
      upsert({ id: 1, name: 'a', salary: 1 }),
      remove({ id: 1 }),
      upsert({ id: 1, name: 'c', salary: 3 }),
    ]);
    await writer.append([upsert({ id: 2, name: 'x', salary: 1 })]);
    await writer.append([remove({ id: 2 })]);
    await writer.append([upsert({ id: 3, name: 'y', salary: 1 })]);
    await writer.append([upsert({ id: 3, name: 'z', salary: 2 })]);

    // Assess
    expect(await state(dataset)).toEqual([
      { id: 1, name: 'a', salary: 1 },
      { id: 3, name: 'z', salary: 2 },
    ]);
    writer.close();
  });

  it('keeps the first of equal sequence numbers within one request (java-bigquerystorage#2404)', async () => {
    // Prepare
    const { dataset, writer } = await cdcTable();

    // Act
    await writer.append([
      upsert({ id: 1, name: 'first', salary: 1 }, '5'),
      upsert({ id: 1, name: 'second', salary: 2 }, '5'),
      upsert({ id: 2, name: 'kept', salary: 1 }, '5'),
      remove({ id: 2 }, '5'),
    ]);

    // Assess
    expect(await state(dataset)).toEqual([
      { id: 1, name: 'first', salary: 1 },
      { id: 2, name: 'kept', salary: 1 },
    ]);
    writer.close();
  });

  it('applies a large request atomically, keeping the highest sequence per key', async () => {
    // Prepare: 1,200 changes on 600 keys, the newer half first.
    const { dataset, writer } = await cdcTable();
    const change = (n: number) => upsert({ id: n % 600, name: String(n), salary: n }, n.toString(16));
    const rows = [
      ...Array.from({ length: 600 }, (_, i) => change(600 + i)),
      ...Array.from({ length: 600 }, (_, i) => change(i)),
    ];

    // Act
    const result = await writer.append(rows);

    // Assess
    expect(result.error).toBeFalsy();
    const [summary] = await fixture.emulator.query(
      `SELECT count(*)::INTEGER AS n, min(salary)::INTEGER AS low FROM "${dataset}".employees`,
    );
    expect(summary).toEqual({ n: 600, low: 600 });
    writer.close();
  });
});

import { describe, expect, it } from 'vitest';
import { truthStatistics } from '../../local/pipeline/truth-statistics.js';
import { DailySimulator, SimulationInputError } from '../../local/simulator/index.js';
import { tableMappingFactory } from '../support/mappings.js';
import { mappingFile, memorySink, readMetadata, readRows, tableFiles } from './support.js';

const ROUTE = 'daily/shop/orders';
const HOUR = 3_600_000_000;

function simulator(initialRows = 20) {
  const sink = memorySink();
  const mapping = mappingFile({
    source: 'daily',
    dms: { cdcMaxBatchIntervalSeconds: 3600 },
    tables: [
      tableMappingFactory({
        schema: 'shop',
        table: 'orders',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'amount', type: 'decimal(7,2)' },
          { name: 'qty', type: 'int' },
        ],
      }),
    ],
  });
  const sim = new DailySimulator({
    mappings: [mapping],
    sink,
    start: new Date('2026-03-01T00:00:00Z'),
    initialRows: () => initialRows,
    fullLoadRowsPerFile: 1000,
    parquet: { parquetVersion: 1, gzip: false, rowGroupLength: 5 },
  });
  return { sim, sink, start: Date.parse('2026-03-01T00:00:00Z') * 1000 };
}

const text = (value: unknown) =>
  value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
const changeSeqs = async (bytes: Uint8Array) =>
  (await readRows(bytes)).map((row) => text(row._dms_change_seq));

describe('DailySimulator', () => {
  it('continues the task change counter from one span to the next', async () => {
    // Prepare
    const { sim, sink, start } = simulator();
    await sim.fullLoad();

    // Act
    await sim.changes(start, 2 * HOUR, 20);
    const firstSpan = new Set(sink.files.keys());
    await sim.changes(start + 2 * HOUR, 2 * HOUR, 20);

    // Assess
    const seqs: string[] = [];
    for (const [key, bytes] of tableFiles(sink.files, ROUTE))
      if (!key.includes('LOAD')) seqs.push(...(await changeSeqs(bytes)));
    const counters = seqs.map((seq) => Number(seq.slice(16)));
    expect(counters).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(firstSpan.size).toBeLessThan(sink.files.size);
  });

  it('writes one big full-load file with many row groups', async () => {
    // Prepare
    const { sim, sink } = simulator(50);

    // Act
    const files = await sim.fullLoad();

    // Assess
    expect(files).toEqual([
      { key: `${ROUTE}/LOAD00000001.parquet`, rows: 50, bytes: expect.any(Number), kind: 'load' },
    ]);
    expect(
      readMetadata(sink.files.get(`${ROUTE}/LOAD00000001.parquet`) as Uint8Array).row_groups,
    ).toHaveLength(10);
  });

  it('changes the source without files while capture is stopped, and a reload writes only live keys', async () => {
    // Prepare
    const { sim, sink, start } = simulator();
    await sim.fullLoad();
    const before = sink.files.size;

    // Act
    const gap = await sim.changes(start, 4 * HOUR, 30, false);
    const reload = await sim.reload(ROUTE, start + 4 * HOUR);

    // Assess
    expect(gap).toEqual([]);
    expect(sink.files.size).toBe(before);
    const truth = sim.truth().tables[ROUTE];
    const rows = await readRows(sink.files.get(reload[0]?.key ?? '') as Uint8Array);
    expect(rows.map((row) => Number(row.id))).toEqual(truth?.currentRows.map((row) => row.id));
    expect(new Set(rows.map((row) => text(row._dms_timestamp)))).toEqual(
      new Set(['2026-03-01 04:00:00.000000']),
    );
    expect(truth?.rowCount).not.toBe(20);
  });

  it('reports a completed reload to the local DMS statistics with its start, end and row count', async () => {
    // Prepare
    const { sim, start } = simulator();
    await sim.fullLoad();
    await sim.changes(start, 4 * HOUR, 30, false);

    // Act
    const reload = await sim.reload(ROUTE, start + 4 * HOUR);
    const task = await truthStatistics(sim.truth())('daily');

    // Assess: what the reload clean-up (ADR 0047) waits for.
    expect(task.tables).toEqual([
      expect.objectContaining({
        schema: 'shop',
        table: 'orders',
        state: 'Table completed',
        fullLoadStartTime: new Date('2026-03-01T04:00:00Z'),
        fullLoadEndTime: new Date('2026-03-01T04:00:00Z'),
        fullLoadRows: reload.reduce((sum, file) => sum + file.rows, 0),
        reloaded: true,
      }),
    ]);
  });

  it('writes a widened column in its new type and keeps the values written before the ALTER', async () => {
    // Prepare
    const { sim, sink, start } = simulator();
    await sim.fullLoad();
    const before = new Map(sim.truth().tables[ROUTE]?.currentRows.map((row) => [row.id, row.amount]));

    // Act
    sim.widen(ROUTE, 'amount', 'decimal(38,10)');
    sim.widen(ROUTE, 'qty', 'bigint');
    await sim.changes(start, 6 * HOUR, 60);

    // Assess
    const truth = sim.truth().tables[ROUTE];
    expect(truth?.columns.map((c) => c.type)).toEqual(['bigint', 'decimal(38,10)', 'bigint']);
    const cdc = tableFiles(sink.files, ROUTE).filter(([key]) => !key.includes('LOAD'));
    const schema = readMetadata(cdc[0]?.[1] as Uint8Array).schema;
    expect(schema.find((e) => e.name === 'amount')).toMatchObject({ precision: 38, scale: 10 });
    expect(schema.find((e) => e.name === 'qty')?.type).toBe('INT64');
    const amounts = truth?.currentRows.map((row) => row.amount as string) ?? [];
    expect(amounts.some((amount) => !amount.endsWith('00000000'))).toBe(true);
    // A row no write touched since the ALTER reads its old value at the new scale.
    const kept = truth?.currentRows.filter((row) => row.amount === `${before.get(row.id)}00000000`) ?? [];
    expect(kept.length).toBeGreaterThan(0);
  });

  it('refuses a type change that is not a widening, naming the column', () => {
    // Prepare
    const { sim } = simulator();

    // Act
    const act = () => sim.widen(ROUTE, 'amount', 'decimal(7,1)');

    // Assess
    expect(act).toThrow(SimulationInputError);
    expect(act).toThrow(/daily\/shop\/orders: widen amount: decimal\(7,2\) → decimal\(7,1\)/);
  });
});

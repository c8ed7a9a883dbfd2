import { describe, expect, it } from 'vitest';
import { parseDmsKey } from '../../lambdas/shared/dms/keys.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { simulate } from '../../local/simulator/index.js';
import { memorySink, readMetadata, readRows, tableFiles } from './support.js';

const casinoA = await loadMappingDir('mappings');
const decoder = new TextDecoder();
const text = (value: unknown): string =>
  value instanceof Uint8Array ? decoder.decode(value) : String(value);

async function run(overrides: Partial<Parameters<typeof simulate>[0]> = {}) {
  const sink = memorySink();
  const result = await simulate({
    mappings: casinoA,
    sink,
    minutes: 6,
    changesPerMinute: 300,
    initialRowsPerTable: 11,
    ...overrides,
  });
  return { ...result, written: sink.files };
}

async function allRows(written: Map<string, Uint8Array>, route: string, kind: 'load' | 'cdc') {
  const rows = [];
  for (const [key, bytes] of tableFiles(written, route)) {
    if (parseDmsKey(key).kind === kind) rows.push(...(await readRows(bytes)).map((row) => ({ key, row })));
  }
  return rows;
}

describe('simulate: full-load files', () => {
  it('names LOAD files with a hexadecimal counter at the table root', async () => {
    // Prepare
    const options = { fullLoadRowsPerFile: 1 };

    // Act
    const { files } = await run(options);

    // Assess
    const loads = files.filter((f) => f.kind === 'load' && f.key.startsWith('casino_a/game/bets/'));
    expect(loads.map((f) => f.key.split('/').at(-1))).toEqual([
      ...['1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B'].map((n) => `LOAD0000000${n}.parquet`),
    ]);
  });

  it('writes every LOAD file before the first CDC file', async () => {
    // Prepare
    const { files } = await run();

    // Act
    const kinds = files.map((f) => f.kind);

    // Assess
    expect(kinds.lastIndexOf('load')).toBeLessThan(kinds.indexOf('cdc'));
  });

  it('marks full-load rows Op I, the task start time and an empty change sequence', async () => {
    // Prepare
    const { written } = await run({ start: new Date('2026-03-04T05:06:07Z') });

    // Act
    const rows = await allRows(written, 'casino_a/payments/transactions', 'load');

    // Assess
    expect(rows).toHaveLength(11);
    for (const { row } of rows) {
      expect([text(row.Op), text(row._dms_timestamp), text(row._dms_change_seq)]).toEqual([
        'I',
        '2026-03-04 05:06:07.000000',
        '',
      ]);
    }
  });
});

describe('simulate: CDC files', () => {
  it('lays CDC keys out as <source>/<schema>/<table>/yyyy/mm/dd/yyyyMMdd-HHmmssSSS.parquet', async () => {
    // Prepare
    const { files } = await run();

    // Act
    const keys = files.filter((f) => f.kind === 'cdc').map((f) => f.key);

    // Assess
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys)
      expect(key).toMatch(/^casino_a\/\w+\/\w+\/2026\/01\/01\/20260101-\d{6}\d{3}\.parquet$/);
  });

  it('writes at most one file per table per CdcMaxBatchInterval (90 s in casino_a)', async () => {
    // Prepare
    const { files } = await run();

    // Act
    const windows = files
      .filter((f) => f.kind === 'cdc')
      .map((f) => {
        const key = parseDmsKey(f.key);
        return `${key.table}@${Math.floor((key.fileTime?.getTime() ?? 0) / 90_000)}`;
      });

    // Assess
    expect(new Set(windows).size).toBe(windows.length);
  });

  it('names each file after a time later than every commit it holds', async () => {
    // Prepare
    const { written } = await run();

    // Act
    const rows = await allRows(written, 'casino_a/game/bets', 'cdc');

    // Assess
    for (const { key, row } of rows) {
      const committed = Date.parse(`${text(row._dms_timestamp).replace(' ', 'T').slice(0, 23)}Z`);
      expect(parseDmsKey(key).fileTime?.getTime()).toBeGreaterThan(committed);
    }
  });

  it('gives every CDC row a 35-digit change sequence that grows with the commit order', async () => {
    // Prepare
    const { written } = await run();

    // Act
    const rows = (await allRows(written, 'casino_a/game/bets', 'cdc')).map(({ row }) => ({
      ts: text(row._dms_timestamp),
      seq: text(row._dms_change_seq),
    }));

    // Assess
    for (const [index, { ts, seq }] of rows.entries()) {
      expect(seq).toMatch(/^\d{35}$/);
      expect(seq.slice(0, 16)).toBe(ts.replace(/\D/g, '').slice(0, 16));
      const previous = rows[index - 1];
      if (previous)
        expect([previous.ts < ts || previous.ts === ts, previous.seq < seq]).toEqual([true, true]);
    }
  });

  it('formats _dms_timestamp as yyyy-MM-dd HH:mm:ss.SSSSSS after the task start', async () => {
    // Prepare
    const { written } = await run();

    // Act
    const stamps = (await allRows(written, 'casino_a/game/users', 'cdc')).map(({ row }) =>
      text(row._dms_timestamp),
    );

    // Assess
    for (const stamp of stamps) {
      expect(stamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
      expect(stamp > '2026-01-01 00:00:00.000000').toBe(true);
    }
  });

  it('uses only I, U and D, deleting the before image with its full row', async () => {
    // Prepare
    const { written } = await run();

    // Act
    const rows = await allRows(written, 'casino_a/game/bets', 'cdc');
    const deletes = rows.filter(({ row }) => text(row.Op) === 'D');

    // Assess
    expect(new Set(rows.map(({ row }) => text(row.Op)))).toEqual(new Set(['I', 'U', 'D']));
    for (const { row } of deletes) expect([row.user_id, row.stake, row.placed_at].includes(null)).toBe(false);
  });

  it('adds the new nullable column only to files after the ALTER', async () => {
    // Prepare
    const { written } = await run({ addColumnMidStream: true });

    // Act
    const columnsPerFile = tableFiles(written, 'casino_a/game/users').map(([key, bytes]) => ({
      key,
      hasColumn: readMetadata(bytes).schema.some((element) => element.name === 'sim_added_note'),
    }));

    // Assess
    const flags = columnsPerFile.map((file) => file.hasColumn);
    expect(flags.indexOf(true)).toBeGreaterThan(0);
    expect(flags.slice(flags.indexOf(true)).every(Boolean)).toBe(true);
  });

  it('orders columns Op, _dms_timestamp, table columns minus excluded (hashed ones in place), _dms_change_seq', async () => {
    // Prepare
    const { written } = await run();

    // Act
    const [, bytes] = tableFiles(written, 'casino_a/game/users').at(-1) ?? [];
    const names = readMetadata(bytes as Uint8Array)
      .schema.slice(1)
      .map((element) => element.name);

    // Assess
    expect(names).toEqual([
      'Op',
      '_dms_timestamp',
      'id',
      'username',
      'email',
      'country',
      'vip',
      'balance',
      'created_at',
      'birth_date',
      '_dms_change_seq',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { simulate } from '../../local/simulator/index.js';
import { tableMappingFactory } from '../support/mappings.js';
import { allTypesMapping, mappingFile, memorySink, replay } from './support.js';

const casinoA = await loadMappingDir('mappings');

async function run(overrides: Partial<Parameters<typeof simulate>[0]> = {}) {
  const sink = memorySink();
  const result = await simulate({
    mappings: casinoA,
    sink,
    minutes: 6,
    changesPerMinute: 400,
    initialRowsPerTable: 50,
    ...overrides,
  });
  return { ...result, written: sink.files };
}

describe('simulate: replaying the files reproduces the ground truth', () => {
  describe.each([
    { name: 'casino_a, parquet-1-0', options: {} },
    { name: 'casino_a, parquet-2-0 + gzip', options: { parquetVersion: 2 as const, gzip: true } },
    { name: 'casino_a, column added mid-stream', options: { addColumnMidStream: true } },
    { name: 'casino_a, hot change mix', options: { changeMix: 'hot' as const } },
    { name: 'every column type', options: { mappings: [allTypesMapping()] } },
    {
      name: 'a table without columns (default column set), two sources',
      options: {
        mappings: [
          ...casinoA,
          mappingFile({ tables: [tableMappingFactory({ primaryKey: ['shop_id', 'order_no'] })] }),
        ],
      },
    },
  ])('$name', ({ options }) => {
    it('matches the truth row for row in every table', async () => {
      // Prepare
      const { truth, written } = await run(options);

      // Act
      const replayed = await Promise.all(
        Object.entries(truth.tables).map(async ([route, table]) => [
          route,
          await replay(written, route, table),
        ]),
      );

      // Assess
      for (const [route, rows] of replayed) {
        expect(rows, String(route)).toEqual(truth.tables[route as string]?.currentRows);
      }
    });
  });
});

describe('simulate: ground truth', () => {
  it('counts every CDC row by operation and the full-load rows', async () => {
    // Prepare
    const { truth, files } = await run();

    // Act
    const cdcRows = files.filter((file) => file.kind === 'cdc').reduce((sum, file) => sum + file.rows, 0);
    const counted = Object.values(truth.tables).reduce(
      (sum, t) => sum + t.counts.I + t.counts.U + t.counts.D,
      0,
    );

    // Assess
    expect(counted).toBe(cdcRows);
    expect(cdcRows).toBe(6 * 400);
    const tableCount = casinoA.reduce((sum, { mapping }) => sum + mapping.tables.length, 0);
    expect(Object.values(truth.tables).map((t) => t.counts.fullLoadRows)).toEqual(Array(tableCount).fill(50));
  });

  it('holds the number of keys steady with the hot change mix, nine changes in ten updates', async () => {
    // Prepare
    const options = { changeMix: 'hot' as const, initialRowsPerTable: 500, changesPerMinute: 2_000 };

    // Act
    const { truth } = await run(options);

    // Assess
    const bets = truth.tables['casino_a/game/bets'];
    const changes = (bets?.counts.I ?? 0) + (bets?.counts.U ?? 0) + (bets?.counts.D ?? 0);
    expect((bets?.counts.U ?? 0) / changes).toBeGreaterThan(0.85);
    expect(bets?.rowCount).toBeGreaterThanOrEqual(499);
    expect(bets?.rowCount).toBeLessThanOrEqual(501);
  });

  it('keeps the row count equal to the current rows', async () => {
    // Prepare
    const { truth } = await run();

    // Act
    const counts = Object.values(truth.tables).map((t) => [t.rowCount, t.currentRows.length]);

    // Assess
    for (const [rowCount, rows] of counts) expect(rows).toBe(rowCount);
  });

  it('exercises re-inserts and several changes to one key inside one file in every table', async () => {
    // Prepare
    const { truth } = await run();

    // Act
    const scenarios = Object.values(truth.tables).map((t) => t.scenarios);

    // Assess
    for (const scenario of scenarios) {
      expect(scenario.reinserts).toBeGreaterThan(0);
      expect(scenario.keysChangedMoreThanOnceInOneFile).toBeGreaterThan(0);
    }
  });

  it('uses the mapping target table and dataset, leaves excluded columns out and hashes hashed ones', async () => {
    // Prepare
    const { truth } = await run();

    // Act
    const users = truth.tables['casino_a/game/users'];

    // Assess
    expect(users).toMatchObject({ dataset: 'casino_a_cdc', targetTable: 'players', primaryKey: ['id'] });
    expect(users?.columns.map((c) => c.name)).not.toContain('phone');
    expect(Object.keys(users?.currentRows[0] ?? {})).not.toContain('phone');
    for (const row of users?.currentRows ?? []) expect(row.email).toMatch(/^[0-9A-F]{64}$/);
  });

  it('gives a table without columns a BIGINT key and the documented default columns', async () => {
    // Prepare
    const mappings = [mappingFile({ tables: [tableMappingFactory({ primaryKey: ['id'] })] })];

    // Act
    const { truth } = await run({ mappings });

    // Assess
    expect(truth.tables['shop/sales/orders']?.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'id bigint',
      'name varchar(64)',
      'amount decimal(18,2)',
      'is_active tinyint(1)',
      "status enum('new','active','closed')",
      'created_at datetime',
      'updated_on date',
      'payload json',
    ]);
  });

  it('leaves the rows out but keeps the counts when includeTruthRows is false', async () => {
    // Prepare
    const options = { includeTruthRows: false };

    // Act
    const { truth } = await run(options);

    // Assess
    const bets = truth.tables['casino_a/game/bets'];
    expect(bets?.currentRows).toEqual([]);
    expect(bets?.rowCount).toBeGreaterThan(0);
  });
});

describe('simulate: determinism', () => {
  it('writes byte-identical files and truth for the same seed', async () => {
    // Prepare
    const options = { seed: 42, addColumnMidStream: true };

    // Act
    const [first, second] = [await run(options), await run(options)];

    // Assess
    expect([...second.written.keys()]).toEqual([...first.written.keys()]);
    for (const [key, bytes] of first.written)
      expect(Buffer.compare(bytes, second.written.get(key) as Uint8Array)).toBe(0);
    expect(second.truth).toEqual(first.truth);
  });

  it('writes different data for another seed', async () => {
    // Prepare
    const [first, second] = [await run({ seed: 1 }), await run({ seed: 2 })];

    // Act
    const same = first.truth.tables['casino_a/game/bets']?.currentRows[0];

    // Assess
    expect(second.truth.tables['casino_a/game/bets']?.currentRows[0]).not.toEqual(same);
  });
});

describe('simulate: bad input', () => {
  it.each([
    { name: 'zero minutes', options: { minutes: 0 }, message: /minutes must be a positive number/ },
    { name: 'negative rate', options: { changesPerMinute: -1 }, message: /changesPerMinute/ },
    { name: 'fractional seed', options: { seed: 1.5 }, message: /seed must be an integer/ },
    { name: 'LOAD file of 0 rows', options: { fullLoadRowsPerFile: 0 }, message: /fullLoadRowsPerFile/ },
    {
      name: 'an unknown change mix',
      options: { changeMix: 'cold' as 'hot' },
      message: /changeMix must be 'default' or 'hot', got cold/,
    },
  ])('rejects $name with a SimulationInputError', async ({ options, message }) => {
    // Prepare
    const sink = memorySink();

    // Act
    const attempt = simulate({ mappings: casinoA, sink, minutes: 1, changesPerMinute: 1, ...options });

    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'SimulationInputError',
      message: expect.stringMatching(message),
    });
  });

  it.each([
    {
      name: 'an unknown column type',
      columns: [
        { name: 'id', type: 'bigint' },
        { name: 'g', type: 'geometry' },
      ],
    },
    { name: 'a key column not listed', columns: [{ name: 'other', type: 'bigint' }] },
  ])('rejects a table with $name and names the table', async ({ columns }) => {
    // Prepare
    const mappings = [mappingFile({ tables: [tableMappingFactory({ columns })] })];

    // Act
    const attempt = simulate({ mappings, sink: memorySink(), minutes: 1, changesPerMinute: 1 });

    // Assess
    await expect(attempt).rejects.toThrow(/mappings\/test\.json: table sales\.orders/);
  });
});

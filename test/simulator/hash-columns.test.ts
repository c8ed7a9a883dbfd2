import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MappingFile } from '../../lambdas/shared/mappings/model.js';
import { SimulationInputError, simulate } from '../../local/simulator/index.js';
import { tableMappingFactory } from '../support/mappings.js';
import { mappingFile, memorySink, readRows, tableFiles } from './support.js';

/** AWS's documented example: SHA-256 of the value, 64 upper-case hex characters (ADR 0038). */
const sha256Upper = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();

const users = (hashColumns?: string[]): MappingFile =>
  mappingFile({
    source: 'players',
    tables: [
      tableMappingFactory({
        schema: 'game',
        table: 'users',
        primaryKey: ['id'],
        ...(hashColumns ? { hashColumns } : {}),
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'email', type: 'varchar(255)' },
          { name: 'phone', type: 'varchar(32)', nullable: true },
          { name: 'country', type: 'char(2)' },
        ],
      }),
    ],
  });

async function run(mapping: MappingFile) {
  const sink = memorySink();
  const { truth } = await simulate({
    mappings: [mapping],
    sink,
    minutes: 4,
    changesPerMinute: 300,
    initialRowsPerTable: 40,
    seed: 5,
  });
  return { truth, files: tableFiles(sink.files, 'players/game/users') };
}

describe('simulate: hashColumns', () => {
  it('writes the SHA-256 of the source value DMS writes, in every file, NULLs kept', async () => {
    // Prepare
    const clear = await run(users());

    // Act
    const hashed = await run(users(['email', 'phone']));

    // Assess
    expect(hashed.files.map(([key]) => key)).toEqual(clear.files.map(([key]) => key));
    let compared = 0;
    let nulls = 0;
    for (const [index, [key, bytes]] of hashed.files.entries()) {
      const rows = await readRows(bytes);
      const sourceRows = await readRows((clear.files[index] as [string, Uint8Array])[1]);
      rows.forEach((row, i) => {
        const source = sourceRows[i] as Record<string, unknown>;
        expect(row.email, key).toBe(sha256Upper(String(source.email)));
        expect(row.country, key).toBe(source.country);
        if (source.phone === null || source.phone === undefined) {
          expect(row.phone, key).toBe(source.phone);
          nulls++;
        } else expect(row.phone, key).toBe(sha256Upper(String(source.phone)));
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(40);
    expect(nulls).toBeGreaterThan(0);
  });

  it('puts only hashes in the ground truth', async () => {
    // Act
    const { truth } = await run(users(['email']));

    // Assess
    const rows = truth.tables['players/game/users']?.currentRows ?? [];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.email).toMatch(/^[0-9A-F]{64}$/);
  });

  it('orders the truth by the hash when a key column is hashed', async () => {
    // Prepare
    const mapping = mappingFile({
      source: 'logins',
      tables: [
        tableMappingFactory({
          schema: 'auth',
          table: 'logins',
          primaryKey: ['login'],
          hashColumns: ['login'],
          columns: [
            { name: 'login', type: 'varchar(16)' },
            { name: 'country', type: 'char(2)' },
          ],
        }),
      ],
    });

    // Act
    const { truth } = await simulate({
      mappings: [mapping],
      sink: memorySink(),
      minutes: 2,
      changesPerMinute: 100,
    });

    // Assess
    const keys = (truth.tables['logins/auth/logins']?.currentRows ?? []).map((row) => String(row.login));
    expect(keys.length).toBeGreaterThan(1);
    expect(keys).toEqual([...keys].sort());
    for (const key of keys) expect(key).toMatch(/^[0-9A-F]{64}$/);
  });

  it('refuses a hashed column the table does not have, naming table and column', async () => {
    // Act
    const attempt = simulate({
      mappings: [users(['mail'])],
      sink: memorySink(),
      minutes: 1,
      changesPerMinute: 10,
    });

    // Assess
    await expect(attempt).rejects.toThrow(SimulationInputError);
    await expect(attempt).rejects.toThrow(/table game\.users: hashed column mail is not among its columns/);
  });
});

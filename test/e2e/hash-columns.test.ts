import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MappingFile, SourceMapping, TableMapping } from '../../lambdas/shared/mappings/model.js';
import { validateDocuments } from '../../lambdas/shared/mappings/validate.js';
import {
  LOCAL_PROJECT_ID,
  type LocalPipeline,
  startLocalPipeline,
} from '../../local/pipeline/local-pipeline.js';
import { reconcile, type TableReconciliation } from '../../local/pipeline/reconcile.js';
import { uploadTree } from '../../local/pipeline/upload.js';
import { directorySink, type GroundTruth, simulate } from '../../local/simulator/index.js';

/** Computed here, apart from the project's code: AWS's documented example is upper-case hex SHA-256. */
const sha256Upper = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').toUpperCase();
const HASH = /^[0-9A-F]{64}$/;

const users = (hashed: boolean): TableMapping => ({
  schema: 'game',
  table: 'users',
  primaryKey: ['id'],
  excludeColumns: ['phone'],
  ...(hashed ? { hashColumns: ['email'] } : {}),
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'username', type: 'varchar(64)' },
    { name: 'email', type: 'varchar(255)' },
    { name: 'phone', type: 'varchar(32)', nullable: true },
  ],
});

/** A hashed key column: CHAR/VARCHAR, so it stays a STRING and `_current` still has one row per key. */
const logins = (hashed: boolean): TableMapping => ({
  schema: 'auth',
  table: 'logins',
  primaryKey: ['login'],
  ...(hashed ? { hashColumns: ['login'] } : {}),
  columns: [
    { name: 'login', type: 'varchar(16)' },
    { name: 'country', type: 'char(2)' },
  ],
});

/** One source with views as `_current`, one with CDC tables; with or without the hashing. */
const mappingsOf = (hashed: boolean): MappingFile[] =>
  (['view', 'table'] as const).map((current) => {
    const source = `pii_${current}`;
    const mapping: SourceMapping = {
      source,
      engine: 'mysql',
      bigquery: { dataset: `${source}_cdc`, current },
      dms: { cdcMaxBatchIntervalSeconds: 90 },
      tables: [users(hashed), logins(hashed)],
    };
    return { file: `mappings/${source}.json`, mapping };
  });

const RUN = {
  minutes: 3,
  changesPerMinute: 240,
  initialRowsPerTable: 120,
  fullLoadRowsPerFile: 50,
  seed: 21,
};

/**
 * `hashColumns` end to end: the simulator writes what DMS's hashing mask writes, the real loader
 * loads it into the BigQuery emulator, and no `_current` or changelog ever holds a clear value. The
 * clear values come from the same simulation without the mask (same seed, same rows).
 */
describe('hashColumns, end to end through the local pipeline', () => {
  let work: string;
  let pipeline: LocalPipeline;
  let hashedTruth: GroundTruth;
  let clearTruth: GroundTruth;
  let reconciled: TableReconciliation[];

  const query = async (sql: string) =>
    (await pipeline.bigquery.query({ query: sql }))[0] as Record<string, unknown>[];
  const rowsOf = (truth: GroundTruth, route: string) => truth.tables[route]?.currentRows ?? [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dms2bq-hash-'));
    const mappings = mappingsOf(true);
    clearTruth = (await simulate({ mappings: mappingsOf(false), sink: { write: async () => {} }, ...RUN }))
      .truth;
    const simulation = await simulate({ mappings, sink: directorySink(work), ...RUN });
    hashedTruth = simulation.truth;
    pipeline = await startLocalPipeline({ mappings });
    await pipeline.applyWarehouse();
    await uploadTree(
      pipeline.aws.s3,
      pipeline.aws.bucket,
      work,
      simulation.files.map((file) => file.key),
    );
    await pipeline.drain();
    await pipeline.applyWarehouse();
    reconciled = await reconcile(pipeline.bigquery, LOCAL_PROJECT_ID, hashedTruth);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('validates the mappings that hash a column and a key column', () => {
    // Act
    const { problems } = validateDocuments(
      mappingsOf(true).map(({ file, mapping }) => ({ file, document: mapping })),
    );

    // Assess
    expect(problems).toEqual([]);
  });

  it('makes every _current, view and CDC table, equal the simulated final state', () => {
    // Assess
    expect(reconciled.map((t) => ({ table: t.table, matches: t.matches, examples: t.examples }))).toEqual(
      Object.values(hashedTruth.tables).map((t) => ({
        table: `${t.dataset}.${t.targetTable}`,
        matches: true,
        examples: [],
      })),
    );
  });

  it.each(['pii_view', 'pii_table'])(
    '%s: users_current holds, per key, the SHA-256 of the source e-mail and never the e-mail',
    async (source) => {
      // Prepare
      const clear = rowsOf(clearTruth, `${source}/game/users`);
      const expected = Object.fromEntries(
        clear.map((row) => [String(row.id), sha256Upper(String(row.email))]),
      );
      const clearEmails = new Set(clear.map((row) => String(row.email)));

      // Act
      const rows = await query(`SELECT id, email FROM \`${LOCAL_PROJECT_ID}.${source}_cdc.users_current\``);
      const changelog = await query(`SELECT DISTINCT email FROM \`${LOCAL_PROJECT_ID}.${source}_cdc.users\``);

      // Assess
      expect(rows.length).toBe(clear.length);
      expect(Object.fromEntries(rows.map((row) => [String(row.id), row.email]))).toEqual(expected);
      for (const row of [...rows, ...changelog]) {
        expect(row.email).toMatch(HASH);
        expect(clearEmails.has(String(row.email))).toBe(false);
      }
    },
  );

  it.each(['pii_view', 'pii_table'])(
    '%s: a hashed key keeps one row per key in logins_current, each the hash of a source key',
    async (source) => {
      // Prepare
      const clear = rowsOf(clearTruth, `${source}/auth/logins`);

      // Act
      const rows = await query(
        `SELECT login, country FROM \`${LOCAL_PROJECT_ID}.${source}_cdc.logins_current\``,
      );

      // Assess
      expect(clear.length).toBeGreaterThan(0);
      expect(rows.map((row) => row.login).sort()).toEqual(
        clear.map((row) => sha256Upper(String(row.login))).sort(),
      );
    },
  );

  it('types a hashed column STRING in the changelog', async () => {
    // Act
    const [metadata] = await pipeline.bigquery.dataset('pii_view_cdc').table('users').getMetadata();

    // Assess
    const email = (metadata.schema.fields as { name: string; type: string }[]).find(
      (f) => f.name === 'email',
    );
    expect(email?.type).toBe('STRING');
  });
});

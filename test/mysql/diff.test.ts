import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDiffCommand } from '../../cli/commands/operate/diff.js';
import { type DiffJson, EXTRA_KEYS_WHY } from '../../cli/operate/diff-report.js';
import { diffFailed, diffRoutes, renderDiffs } from '../../cli/operate/reconcile-diff.js';
import { dmsHashMask } from '../../lambdas/shared/dms/hash-mask.js';
import { buildRoutingTable, type Route } from '../../lambdas/shared/routing.js';
import { applyCurrentView } from '../../lambdas/shared/warehouse/current-view.js';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from '../bigquery-emulator/helpers.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';
import { useMariadb } from './support/mariadb.js';

const server = useMariadb({ serverArgs: [] });
let fixture: EmulatorFixture;
let mappings: { dir: string; cleanup: () => Promise<void> };

/** One value of every type the canonical form covers, for a source row and its DMS change. */
interface Row {
  id: number;
  name: string | null;
  balance: string;
  flag: number;
  bit: boolean;
  score: number;
  born: string;
  /** DATETIME(6): DMS takes it as UTC. */
  seenAt: string;
  /** TIMESTAMP(6), in UTC: the source stores it in UTC whatever the session's zone. */
  updatedAt: string;
  /** As the source holds it, and as DMS wrote it (other key order and spacing). */
  doc: [string, string];
  avatarHex: string;
  /** A `hashColumns` column: clear at the source, DMS's hash in BigQuery. */
  email: string;
}

const rows: Row[] = [1, 2, 3, 4].map((id) => ({
  id,
  name: id === 1 ? '' : `player ${id}`,
  balance: `${id}2.50`,
  flag: id % 2,
  bit: id % 2 === 0,
  score: id * 1.25,
  born: `199${id}-02-0${id}`,
  seenAt: `2026-03-0${id} 10:11:12.123456`,
  updatedAt: `2026-03-0${id} 23:30:00.000001`,
  doc: [`{"b": ${id}, "a": [1, "x"]}`, `{"a":[1,"x"],"b":${id}}`],
  avatarHex: `00ff0${id}`,
  email: `player${id}@example.com`,
}));

const text = (value: string | null) => (value === null ? 'NULL' : `'${value.replaceAll("'", "''")}'`);

/** A DMS file's rows in DuckDB SQL: Op, _dms_timestamp, the columns (secret excluded by DMS), _dms_change_seq. */
function dmsRows(changes: { op: 'I' | 'U' | 'D'; at: string; seq: string; row: Row }[]): string {
  return changes
    .map(
      ({ op, at, seq, row }) =>
        `SELECT '${op}' AS "Op", '${at}' AS _dms_timestamp, CAST(${row.id} AS BIGINT) AS id, CAST(${text(row.name)} AS VARCHAR) AS name, ` +
        `CAST('${row.balance}' AS DECIMAL(18,2)) AS balance, CAST(${row.flag} AS TINYINT) AS flag, ${row.bit} AS bit1, ` +
        `CAST(${row.score} AS DOUBLE) AS score, DATE '${row.born}' AS born, CAST('${row.seenAt}+00' AS TIMESTAMPTZ) AS seen_at, ` +
        `CAST('${row.updatedAt}+00' AS TIMESTAMPTZ) AS updated_at, ${text(row.doc[1])} AS doc, from_hex('${row.avatarHex}') AS avatar, '${dmsHashMask(row.email)}' AS email, '${seq}' AS _dms_change_seq`,
    )
    .join(' UNION ALL ');
}

async function loadDmsFile(route: Route, select: string): Promise<void> {
  const path = await parquetFile(fixture, select);
  const job = await uploadAndWait(fixture.bigquery.dataset(route.dataset).table(route.targetTable), path, {
    ...loaderLoadOptions,
    jobId: uniqueJobId('dms'),
  });
  if (job.status?.errorResult) throw new Error(job.status.errorResult.message);
}

const sourceRow = (row: Row) =>
  `(${row.id}, ${text(row.name)}, ${row.balance}, ${row.flag}, ${row.bit ? "b'1'" : "b'0'"}, ${row.score}, '${row.born}', '${row.seenAt}', ` +
  // The session below runs at +02:00: the source converts to UTC on write, DMS writes UTC.
  `CONVERT_TZ('${row.updatedAt}', '+00:00', '+02:00'), ${text(row.doc[0])}, UNHEX('${row.avatarHex}'), '${row.email}', 'secret ${row.id}')`;

let route: Route;

const diff = (...extra: string[]) =>
  runDms2bq(
    [registerDiffCommand],
    [
      'diff',
      '--source',
      'shop',
      '--table',
      'sales.orders',
      '--source-url',
      server().rootUrl,
      '--bigquery-endpoint',
      fixture.emulator.url,
      '--mappings',
      mappings.dir,
      ...extra,
    ],
  );

beforeAll(async () => {
  fixture = await startEmulatorFixture();
  const dataset = await freshDataset(fixture);
  const mapping = sourceMappingFactory({
    bigquery: { dataset },
    tables: [
      tableMappingFactory({
        excludeColumns: ['secret'],
        hashColumns: ['email'],
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'email', type: 'varchar(64)', nullable: true },
          { name: 'secret', type: 'varchar(32)', nullable: true },
        ],
      }),
    ],
  });
  mappings = await mappingDir({ 'shop.json': mapping });
  route = Object.values(buildRoutingTable([mapping]))[0] as Route;
  // The full load (ids 1–5, id 2 with an old name), then a CDC file: id 2 updated, id 5 deleted, its
  // change sequences as DMS writes them (the change's time, then a counter: ADR 0040's order).
  const old = { ...(rows[1] as Row), name: 'old name' };
  const gone = { ...(rows[0] as Row), id: 5 };
  const load = [rows[0], old, rows[2], rows[3], gone].map((row) => ({
    op: 'I' as const,
    at: '2026-03-10 00:00:00.000000',
    seq: '',
    row: row as Row,
  }));
  await loadDmsFile(route, dmsRows(load));
  await loadDmsFile(
    route,
    dmsRows([
      {
        op: 'U',
        at: '2026-03-10 00:01:00.000000',
        seq: '20260310000100000000000000000000001',
        row: rows[1] as Row,
      },
      { op: 'D', at: '2026-03-10 00:02:00.000000', seq: '20260310000200000000000000000000002', row: gone },
    ]),
  );
  await applyCurrentView(fixture.bigquery, route);
  await server().exec(
    [
      'CREATE DATABASE sales',
      'CREATE TABLE sales.orders (id BIGINT PRIMARY KEY, name VARCHAR(64) NULL, balance DECIMAL(18,2), flag TINYINT(1), bit1 BIT(1), score DOUBLE, born DATE, seen_at DATETIME(6), updated_at TIMESTAMP(6) NULL, doc JSON, avatar BLOB, email VARCHAR(64), secret VARCHAR(32))',
      "SET time_zone = '+02:00'",
      `INSERT INTO sales.orders VALUES ${rows.map(sourceRow).join(', ')}`,
    ].join(';\n'),
  );
});

afterAll(async () => {
  await fixture?.stop();
  await mappings?.cleanup();
});

describe('dms2bq diff against MariaDB', () => {
  it('exits 2 naming the file when --warehouse has no warehouse', async () => {
    // Act
    const run = await runDms2bq(
      [registerDiffCommand],
      [
        'diff',
        '--table',
        'shop.sales.orders',
        '--source-url',
        server().rootUrl,
        '--warehouse',
        '/nonexistent/w.duckdb',
      ],
    );

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--warehouse \/nonexistent\/w\.duckdb: no such file/);
  });

  it('exits 0 when _current holds the source rows, in every canonical form', async () => {
    // Act
    const run = await diff('--json');

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as DiffJson;
    expect(report).toMatchObject({ equal: true, levels: 1, missing: { count: 0 }, extra: { count: 0 } });
    // MariaDB keeps the JSON text as written, DMS wrote it compactly: the checksums differ, the rows
    // are fetched (row hashes, then values) and their JSON documents compare equal parsed.
    expect(report.bigquery.queries).toBe(3);
    // A small table: every query job bills BigQuery's 10 MB minimum for the one table it reads.
    expect(report.bigquery.bytesBilled).toBe(3 * 10 * 2 ** 20);
  });

  it('names a changed, a deleted (extra) and an inserted (missing) row with exit 1', async () => {
    // Prepare
    await server().exec(
      [
        'UPDATE sales.orders SET balance = 99.10 WHERE id = 3',
        'DELETE FROM sales.orders WHERE id = 4',
        `INSERT INTO sales.orders VALUES ${sourceRow({ ...(rows[0] as Row), id: 7 })}`,
      ].join(';\n'),
    );

    // Act
    const run = await diff('--json');

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DiffJson;
    expect(report).toMatchObject({
      equal: false,
      missing: { count: 1, keys: [{ id: '7' }] },
      extra: { count: 1, keys: [{ id: '4' }], why: EXTRA_KEYS_WHY },
      changed: { count: 1, keys: [{ key: { id: '3' }, columns: ['balance'] }] },
      repair: ['dms2bq dms reload --stage <stage> --source shop --table sales.orders'],
    });
    expect(run.stderr).toMatch(/3 key\(s\) of sales\.orders differ; repair: dms2bq dms reload/);
    // One checksum level (the table holds fewer rows than a leaf), the leaf's row hashes, the changed row.
    expect(report.bigquery).toEqual({ queries: 3, bytesBilled: 3 * 10 * 2 ** 20 });
  });

  it('reconcile --source-url runs the same comparison per mapped table', async () => {
    // Act
    const entries = await diffRoutes({
      routes: [route],
      bigquery: fixture.bigquery,
      mappingsDir: mappings.dir,
      sourceUrl: server().rootUrl,
    });

    // Assess
    expect(entries.map(diffFailed)).toEqual([true]);
    expect(renderDiffs(entries, 'prod', 10)).toContain(
      'missing (in the source, not in BigQuery): 1 — id=7\n  extra (in BigQuery, not in the source): 1 — id=4\n  changed: 1 — id=3 (balance)\n  repair: dms2bq dms reload --stage prod --source shop --table sales.orders',
    );
    // Extra keys are named as what they may be: gone in a capture gap or a TRUNCATE, or the old key
    // of a primary-key update.
    expect(renderDiffs(entries, 'prod', 10)).toContain('the old key of a primary-key update');
  });

  it('tells NULL from the empty string, and prints the keys as text', async () => {
    // Prepare: id 1 holds '' in BigQuery.
    await server().exec('UPDATE sales.orders SET name = NULL WHERE id = 1');

    // Act
    const run = await diff('--limit', '1');

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('changed: 2 — id=1 (name), … 1 more');
    expect(run.stdout).toContain('missing (in the source, not in BigQuery): 1 — id=7');
    expect(run.stdout).toContain('extra (in BigQuery, not in the source): 1 — id=4');
  });

  it.each([
    [['--table', 'sales.nope'], /no mapping in .* routes shop sales\.nope/],
    [['--limit', 'x'], /--limit must be a whole number/],
    [['--local'], /pass one of --local, --bigquery-endpoint, not several/],
  ])('exits 2 on a usage error: %s', async (extra, message) => {
    // Act
    const run = await diff(...extra);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

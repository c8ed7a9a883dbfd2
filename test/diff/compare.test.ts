import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigQuerySide } from '../../lambdas/shared/diff/bigquery-side.js';
import type { DiffColumn, DiffTable, KeyColumn } from '../../lambdas/shared/diff/columns.js';
import { DiffTooLargeError, diffTable } from '../../lambdas/shared/diff/compare.js';
import { bigqueryDialect } from '../../lambdas/shared/diff/dialect.js';
import type { DiffSide } from '../../lambdas/shared/diff/side.js';
import {
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from '../bigquery-emulator/helpers.js';

/**
 * The comparison core on the emulator against itself: the "source" is a second BigQuery table read
 * through the same dialect, so the bisection and the classification are checked apart from MySQL
 * (test/mysql/diff.test.ts runs them against MariaDB).
 */
let fixture: EmulatorFixture;
let projectId: string;

beforeAll(async () => {
  fixture = await startEmulatorFixture();
  projectId = await fixture.bigquery.getProjectId();
});
afterAll(() => fixture.stop());

async function loadTable(dataset: string, name: string, select: string): Promise<void> {
  const path = await parquetFile(fixture, select);
  const job = await uploadAndWait(fixture.bigquery.dataset(dataset).table(name), path, {
    ...loaderLoadOptions,
    jobId: uniqueJobId('diff'),
  });
  if (job.status?.errorResult) throw new Error(job.status.errorResult.message);
}

const column = (name: string, bigqueryType: string, mysqlType = ''): DiffColumn => ({
  name,
  bigqueryName: name,
  mysqlType,
  bigqueryType,
  kind: 'text',
});

/** A side reading `<dataset>.<table>` in GoogleSQL. */
function sideOf(dataset: string, table: string): DiffSide & { bytesBilled: number } {
  const side = bigQuerySide(fixture.bigquery);
  side.dialect = { ...bigqueryDialect, from: () => `\`${projectId}.${dataset}.${table}\`` };
  return side;
}

function tableOf(dataset: string, keys: KeyColumn[], columns: DiffColumn[]): DiffTable {
  return { schema: dataset, table: 'source', projectId, dataset, current: 'copy', keys, columns };
}

describe('diffTable with an integer key', () => {
  const keys: KeyColumn[] = [{ name: 'id', bigqueryName: 'id', kind: 'int' }];
  const columns = [
    column('id', 'INTEGER'),
    column('name', 'STRING'),
    column('amount', 'NUMERIC'),
    column('seen', 'TIMESTAMP'),
  ];
  const rows = (filter = 'TRUE') =>
    `SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE 'n' || i END AS name, CAST(i / 4 AS DECIMAL(18,2)) AS amount, TIMESTAMP '2026-01-01' + INTERVAL (i) SECOND AS seen FROM range(1, 401) t(i) WHERE ${filter}`;

  it('finds equal tables equal with one aggregate query per side', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await loadTable(dataset, 'source', rows());
    await loadTable(dataset, 'copy', rows());
    const source = sideOf(dataset, 'source');
    const bigquery = sideOf(dataset, 'copy');

    // Act
    const result = await diffTable({ table: tableOf(dataset, keys, columns), source, bigquery });

    // Assess
    expect(result).toEqual({ missing: [], extra: [], changed: [], levels: 1 });
    expect([source.queries, bigquery.queries]).toEqual([1, 1]);
  });

  it('names a missing, an extra and a changed key after bisecting', async () => {
    // Prepare: the copy lacks 150, has 401 too, and holds another name for 42 and '' for 294 (NULL in the source).
    const dataset = await freshDataset(fixture);
    await loadTable(dataset, 'source', rows());
    await loadTable(
      dataset,
      'copy',
      `SELECT id, CASE WHEN id = 42 THEN 'renamed' WHEN id = 294 THEN '' ELSE name END AS name, amount, seen FROM (${rows('i <> 150')}) UNION ALL SELECT 401, 'n401', 1.00, TIMESTAMP '2026-01-02'`,
    );
    const source = sideOf(dataset, 'source');
    const bigquery = sideOf(dataset, 'copy');

    // Act
    const result = await diffTable({
      table: tableOf(dataset, keys, columns),
      source,
      bigquery,
      fanout: 4,
      leafRows: 20,
    });

    // Assess
    expect(result.missing).toEqual([['150']]);
    expect(result.extra).toEqual([['401']]);
    expect(result.changed).toEqual([
      { key: ['42'], columns: ['name'] },
      { key: ['294'], columns: ['name'] },
    ]);
    expect(result.levels).toBeGreaterThan(2);
  });
});

describe('diffTable on a copy too far off', () => {
  it('stops with DiffTooLargeError rather than list every key', async () => {
    // Prepare: every row of the copy differs.
    const dataset = await freshDataset(fixture);
    const keys: KeyColumn[] = [{ name: 'id', bigqueryName: 'id', kind: 'int' }];
    await loadTable(dataset, 'source', "SELECT i AS id, 'a' AS name FROM range(0, 200) t(i)");
    await loadTable(dataset, 'copy', "SELECT i AS id, 'b' AS name FROM range(0, 200) t(i)");

    // Act
    const diffing = diffTable({
      table: tableOf(dataset, keys, [column('id', 'INTEGER'), column('name', 'STRING')]),
      source: sideOf(dataset, 'source'),
      bigquery: sideOf(dataset, 'copy'),
      fanout: 4,
      leafRows: 10,
      maxRanges: 4,
    });

    // Assess
    await expect(diffing).rejects.toThrow(DiffTooLargeError);
  });
});

describe('diffTable with a composite string key', () => {
  const keys: KeyColumn[] = [
    { name: 'region', bigqueryName: 'region', kind: 'string' },
    { name: 'code', bigqueryName: 'code', kind: 'int' },
  ];
  const columns = [column('region', 'STRING'), column('code', 'INTEGER'), column('payload', 'BYTES')];
  const rows = (filter = 'TRUE') =>
    `SELECT CASE i % 3 WHEN 0 THEN 'eu''west' WHEN 1 THEN 'EU' ELSE 'us' END AS region, i AS code, CAST(('x' || i) AS BLOB) AS payload FROM range(0, 240) t(i) WHERE ${filter}`;

  it('orders, splits and names tuple keys, quotes included', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await loadTable(dataset, 'source', rows());
    await loadTable(
      dataset,
      'copy',
      `SELECT region, code, CASE WHEN code = 150 THEN CAST('other' AS BLOB) ELSE payload END AS payload FROM (${rows('i <> 151')})`,
    );

    // Act
    const result = await diffTable({
      table: tableOf(dataset, keys, columns),
      source: sideOf(dataset, 'source'),
      bigquery: sideOf(dataset, 'copy'),
      fanout: 3,
      leafRows: 10,
    });

    // Assess
    expect(result.missing).toEqual([['EU', '151']]);
    expect(result.extra).toEqual([]);
    expect(result.changed).toEqual([{ key: ["eu'west", '150'], columns: ['payload'] }]);
  });
});

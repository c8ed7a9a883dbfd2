import { BigQueryTimestamp, type TableField } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MappingFile } from '../../lambdas/shared/mappings/model.js';
import { applyWarehouse } from '../../lambdas/shared/warehouse/apply.js';
import {
  LOCAL_LOCATION,
  type LocalPipeline,
  startLocalPipeline,
} from '../../local/pipeline/local-pipeline.js';
import { s3Sink, simulate } from '../../local/simulator/index.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

/** Every MySQL type DMS maps (reference/dms-s3-target.md), each with the BigQuery type a Parquet load gives it. */
const TYPES: [mysql: string, bigquery: string][] = [
  ['bigint', 'INTEGER'],
  ['tinyint', 'INTEGER'],
  ['tinyint(1)', 'INTEGER'],
  ['smallint', 'INTEGER'],
  ['mediumint', 'INTEGER'],
  ['int', 'INTEGER'],
  ['int unsigned', 'INTEGER'],
  ['bigint unsigned', 'INTEGER'],
  ['year', 'INTEGER'],
  ['decimal(18,2)', 'NUMERIC'],
  ['decimal(38,10)', 'BIGNUMERIC'],
  ['decimal(32,0)', 'BIGNUMERIC'],
  ['float', 'FLOAT'],
  ['double', 'FLOAT'],
  ['bit(1)', 'BOOLEAN'],
  ['bit(16)', 'BYTES'],
  ['date', 'DATE'],
  ['datetime', 'TIMESTAMP'],
  ['datetime(6)', 'TIMESTAMP'],
  ['timestamp', 'TIMESTAMP'],
  ['char(2)', 'STRING'],
  ['varchar(64)', 'STRING'],
  ['text', 'STRING'],
  ['json', 'STRING'],
  ["enum('new','paid')", 'STRING'],
  ["set('a','b')", 'STRING'],
  ['time', 'STRING'],
  ['binary(16)', 'BYTES'],
  ['varbinary(32)', 'BYTES'],
  ['blob', 'BYTES'],
];

const column = (index: number) => `c${String(index).padStart(2, '0')}`;

const mapping: MappingFile = {
  file: 'mappings/shop.json',
  mapping: sourceMappingFactory({
    tables: [
      tableMappingFactory({
        table: 'orders',
        primaryKey: ['c00'],
        excludeColumns: ['email'],
        columns: [
          ...TYPES.map(([type], index) => ({ name: column(index), type })),
          { name: 'email', type: 'varchar(255)' },
        ],
      }),
      tableMappingFactory({ table: 'refunds', primaryKey: ['id'] }),
    ],
  }),
};

const fieldsOf = async (pipeline: LocalPipeline, table: string): Promise<TableField[]> => {
  const [metadata] = await pipeline.bigquery.dataset('shop_cdc').table(table).getMetadata();
  return metadata.schema.fields;
};

const count = async (pipeline: LocalPipeline, table: string): Promise<number> => {
  const [rows] = await pipeline.bigquery.query(`SELECT COUNT(*) AS n FROM \`shop_cdc.${table}\``);
  return Number((rows as { n: unknown }[])[0]?.n);
};

describe('a new table: apply before its first file, then the production loader', () => {
  let pipeline: LocalPipeline;
  let declaredBeforeLoad: TableField[];
  let tablesBeforeLoad: string[];
  let deadLetters: string[];

  beforeAll(async () => {
    pipeline = await startLocalPipeline({ mappings: [mapping], notifier: { testEvent: false } });
    await applyWarehouse(pipeline.bigquery, [mapping.mapping], LOCAL_LOCATION);
    declaredBeforeLoad = await fieldsOf(pipeline, 'orders');
    const [tables] = await pipeline.bigquery.dataset('shop_cdc').getTables();
    tablesBeforeLoad = tables.map((table) => `${table.id}:${table.metadata.type}`).sort();
    await simulate({
      mappings: [mapping],
      sink: s3Sink(pipeline.aws.s3, pipeline.aws.bucket),
      minutes: 2,
      changesPerMinute: 60,
      initialRowsPerTable: 20,
    });
    await pipeline.drain();
    deadLetters = await pipeline.deadLetteredKeys();
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('has the changelog table and its views after apply, before any file', () => {
    // Assess
    expect(tablesBeforeLoad).toEqual(['orders:TABLE', 'orders_current:VIEW', 'orders_history:VIEW']);
  });

  it('declares every MySQL type as the Parquet load types it, excluded columns left out', () => {
    // Assess
    expect(declaredBeforeLoad).toEqual([
      { name: 'Op', type: 'STRING', mode: 'NULLABLE' },
      { name: '_dms_timestamp', type: 'STRING', mode: 'NULLABLE' },
      ...TYPES.map(([, type], index) => ({ name: column(index), type, mode: 'NULLABLE' })),
      { name: '_dms_change_seq', type: 'STRING', mode: 'NULLABLE' },
    ]);
  });

  it('partitions and clusters the table as the loader’s load configuration asks', async () => {
    // Act
    const [metadata] = await pipeline.bigquery.dataset('shop_cdc').table('orders').getMetadata();

    // Assess
    expect(metadata).toMatchObject({ timePartitioning: { type: 'DAY' }, clustering: { fields: ['c00'] } });
  });

  it('loads every file into the declared table without a schema change', async () => {
    // Assess
    expect(deadLetters).toEqual([]);
    expect(await fieldsOf(pipeline, 'orders')).toEqual(declaredBeforeLoad);
    expect(await count(pipeline, 'orders')).toBeGreaterThan(20);
  });

  it('answers the view with the current rows', async () => {
    // Assess
    expect(await count(pipeline, 'orders_current')).toBeGreaterThan(0);
  });

  it("exposes each current row's source commit time as _source_changed_at, a TIMESTAMP", async () => {
    // Act
    const [rows] = await pipeline.bigquery.query({
      query: [
        'SELECT v._source_changed_at AS changed_at, c._dms_timestamp AS dms_timestamp',
        'FROM `shop_cdc.orders_current` AS v JOIN `shop_cdc.orders` AS c USING (c00)',
        'WHERE c._dms_timestamp = (SELECT MAX(_dms_timestamp) FROM `shop_cdc.orders` WHERE c00 = v.c00)',
        'LIMIT 5',
      ].join('\n'),
    });

    // Assess
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows as { changed_at: BigQueryTimestamp; dms_timestamp: string }[]) {
      // The client turns TIMESTAMP cells, and only those, into BigQueryTimestamp.
      expect(row.changed_at).toBeInstanceOf(BigQueryTimestamp);
      // DMS writes `yyyy-MM-dd HH:mm:ss.SSSSSS` in UTC.
      expect(new Date(row.changed_at.value).toISOString().slice(0, 23)).toBe(
        `${row.dms_timestamp.replace(' ', 'T').slice(0, 23)}`,
      );
    }
  });

  it('creates the view of a table without declared columns right after its first load', async () => {
    // Act
    const [metadata] = await pipeline.bigquery.dataset('shop_cdc').table('refunds_current').getMetadata();

    // Assess
    expect(metadata.type).toBe('VIEW');
    expect(await count(pipeline, 'refunds_current')).toBeGreaterThan(0);
  });

  it('keeps every version in _history: one open version per live key, deleted keys closed', async () => {
    // Prepare
    const keys = async (sql: string) =>
      ((await pipeline.bigquery.query(sql))[0] as { c00: number }[])
        .map((row) => Number(row.c00))
        .sort((a, b) => a - b);
    // The oracle: keys whose latest change (the changelog's own order) is a delete.
    const deleted = await keys(
      "SELECT c00 FROM `shop_cdc.orders` WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY c00 ORDER BY _dms_timestamp DESC, _dms_change_seq DESC) = 1 AND Op = 'D'",
    );

    // Act
    const open = await keys('SELECT c00 FROM `shop_cdc.orders_history` WHERE _valid_to IS NULL');
    const [closed] = await pipeline.bigquery.query(
      `SELECT c00, COUNT(*) AS versions, COUNTIF(_valid_to IS NULL) AS open, COUNTIF(_is_deleted) AS deletes FROM \`shop_cdc.orders_history\` WHERE c00 IN (${deleted.join(', ') || 'NULL'}) GROUP BY c00`,
    );

    // Assess
    expect(open).toEqual(await keys('SELECT c00 FROM `shop_cdc.orders_current`'));
    expect(new Set(open).size).toBe(open.length);
    expect(deleted.length).toBeGreaterThan(0);
    for (const row of closed as { versions: number; open: number; deletes: number }[]) {
      expect(row).toMatchObject({ open: 0, deletes: 1 });
      expect(row.versions).toBeGreaterThan(0);
    }
  });

  it('creates the history view of a table without declared columns right after its first load', async () => {
    // Act
    const [metadata] = await pipeline.bigquery.dataset('shop_cdc').table('refunds_history').getMetadata();

    // Assess
    expect(metadata).toMatchObject({ type: 'VIEW', labels: { dms2bq_view: 'history' } });
    expect(await count(pipeline, 'refunds_history')).toBeGreaterThanOrEqual(
      await count(pipeline, 'refunds_current'),
    );
  });
});

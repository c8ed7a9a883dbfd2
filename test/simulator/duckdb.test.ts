import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  directorySink,
  type GroundTruth,
  type SimulatedFile,
  simulate,
} from '../../local/simulator/index.js';
import { allTypesMapping } from './support.js';

const ROUTE = 'alltypes/kinds/every_type';

describe.each([
  { parquetVersion: 1 as const, gzip: false },
  { parquetVersion: 2 as const, gzip: true },
])(
  'DuckDB reads the simulator output (parquet version $parquetVersion, gzip $gzip)',
  ({ parquetVersion, gzip }) => {
    let dir: string;
    let files: SimulatedFile[];
    let truth: GroundTruth;
    let sql: (query: string) => Promise<Record<string, unknown>[]>;
    const paths = (kind?: 'load' | 'cdc') =>
      `[${files
        .filter((f) => f.key.startsWith(ROUTE) && (!kind || f.kind === kind))
        .map((f) => `'${join(dir, f.key)}'`)
        .join(',')}]`;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'dms2bq-sim-duckdb-'));
      ({ files, truth } = await simulate({
        mappings: [allTypesMapping()],
        sink: directorySink(dir),
        minutes: 5,
        changesPerMinute: 1500,
        initialRowsPerTable: 20_001,
        parquetVersion,
        gzip,
        addColumnMidStream: true,
      }));
      const connection = await (await DuckDBInstance.create(':memory:')).connect();
      sql = async (query) =>
        (await connection.runAndReadAll(query)).getRowObjectsJson() as Record<string, unknown>[];
      // 20,001 full-load rows of 25 columns: slow when the shared machine is busy
    }, 120_000);

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('sees the Parquet types DMS produces for each MySQL type', async () => {
      // Prepare
      const query = `DESCRIBE SELECT * FROM read_parquet(${paths('cdc')}, union_by_name = true)`;

      // Act
      const rows = await sql(query);

      // Assess
      expect(Object.fromEntries(rows.map((row) => [row.column_name, row.column_type]))).toEqual({
        Op: 'VARCHAR',
        _dms_timestamp: 'VARCHAR',
        id: 'BIGINT',
        small: 'SMALLINT',
        tiny: 'TINYINT',
        flag: 'TINYINT',
        count: 'UINTEGER',
        amount: 'DECIMAL(18,2)',
        ratio: 'DECIMAL(38,10)',
        narrow: 'DECIMAL(5,2)',
        score: 'DOUBLE',
        weight: 'FLOAT',
        bit: 'BOOLEAN',
        day: 'DATE',
        at: 'TIMESTAMP WITH TIME ZONE',
        at_micros: 'TIMESTAMP WITH TIME ZONE',
        name: 'VARCHAR',
        code: 'VARCHAR',
        body: 'VARCHAR',
        doc: 'VARCHAR',
        state: 'VARCHAR',
        tags: 'VARCHAR',
        clock: 'VARCHAR',
        yr: 'SMALLINT',
        raw: 'BLOB',
        sim_added_note: 'VARCHAR',
        _dms_change_seq: 'VARCHAR',
      });
    });

    it('cuts row groups at 10,000 rows', async () => {
      // Prepare
      const query = `SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata(${paths('load')}) ORDER BY file_name, row_group_id`;

      // Act
      const rows = await sql(query);

      // Assess
      expect(rows.map((row) => Number(row.row_group_num_rows))).toEqual([10_000, 10_000, 1]);
    });

    it('writes dictionary encoding, the codec and min/max statistics for every column chunk', async () => {
      // Prepare
      const query = `SELECT path_in_schema, encodings, compression, stats_min_value, stats_max_value FROM parquet_metadata(${paths('load')})`;

      // Act
      const rows = await sql(query);

      // Assess
      for (const row of rows) {
        expect(row.compression).toBe(gzip ? 'GZIP' : 'UNCOMPRESSED');
        expect(row.stats_min_value, String(row.path_in_schema)).not.toBeNull();
        expect(row.stats_max_value, String(row.path_in_schema)).not.toBeNull();
      }
      const dictionaryEncoded = rows.filter((row) => String(row.encodings).includes('RLE_DICTIONARY'));
      expect(dictionaryEncoded.map((row) => row.path_in_schema)).toContain('state');
    });

    it('replays to the ground truth (latest row per key by timestamp and change sequence, deletes dropped)', async () => {
      // Prepare
      const query = `
      WITH changes AS (SELECT * FROM read_parquet(${paths()}, union_by_name = true)),
      latest AS (
        SELECT *, row_number() OVER (PARTITION BY id ORDER BY _dms_timestamp DESC, _dms_change_seq DESC) AS n
        FROM changes)
      SELECT id, CAST(amount AS VARCHAR) AS amount, CAST(ratio AS VARCHAR) AS ratio, state, name,
             strftime(CAST(at_micros AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ') AS at_micros, sim_added_note
      FROM latest WHERE n = 1 AND Op <> 'D' ORDER BY id`;

      // Act
      const rows = await sql(query);

      // Assess
      const expected = truth.tables[ROUTE]?.currentRows.map((row) => ({
        id: String(row.id),
        amount: row.amount,
        ratio: row.ratio,
        state: row.state,
        name: row.name,
        at_micros: row.at_micros,
        sim_added_note: row.sim_added_note,
      }));
      expect(rows).toEqual(expected);
    });

    it('counts the CDC operations of the ground truth', async () => {
      // Prepare
      const query = `SELECT Op, count(*) AS n FROM read_parquet(${paths('cdc')}, union_by_name = true) GROUP BY Op ORDER BY Op`;

      // Act
      const rows = await sql(query);

      // Assess
      const { I, U, D } = truth.tables[ROUTE]?.counts ?? {};
      expect(rows).toEqual([
        { Op: 'D', n: String(D) },
        { Op: 'I', n: String(I) },
        { Op: 'U', n: String(U) },
      ]);
    });
  },
);

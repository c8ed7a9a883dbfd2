import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FilterPattern } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOB_TRUNCATION_LOG_TERMS } from '../../lambdas/shared/dms/lob.js';
import { matchesFilterPattern } from '../../local/cloudwatch-logs/filter-pattern.js';
import { directorySink, type SimulatedFile, simulate } from '../../local/simulator/index.js';
import { tableMappingFactory } from '../support/mappings.js';
import { mappingFile } from './support.js';

const LIMIT_BYTES = 1024;
/** The metric filter's pattern exactly as CDK writes it into the template. */
const PATTERN = FilterPattern.allTerms(...LOB_TRUNCATION_LOG_TERMS).logPatternString;

let dir: string;
let files: SimulatedFile[];
let taskLog: string[];
let sql: (query: string) => Promise<Record<string, unknown>[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dms2bq-sim-lob-'));
  taskLog = [];
  ({ files } = await simulate({
    mappings: [
      mappingFile({
        dms: { cdcMaxBatchIntervalSeconds: 60, lobMaxSizeKb: LIMIT_BYTES / 1024 },
        tables: [
          tableMappingFactory({
            columns: [
              { name: 'id', type: 'bigint' },
              { name: 'doc', type: 'json', nullable: true },
              { name: 'note', type: 'text' },
              { name: 'code', type: 'varchar(16)' },
            ],
          }),
        ],
      }),
    ],
    sink: directorySink(dir),
    minutes: 3,
    changesPerMinute: 300,
    initialRowsPerTable: 200,
    oversizedLobEvery: 10,
    onTaskLog: (line) => taskLog.push(line),
  }));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  sql = async (query) =>
    (await connection.runAndReadAll(query)).getRowObjectsJson() as Record<string, unknown>[];
}, 60_000);

afterAll(() => rm(dir, { recursive: true, force: true }));

/** Every value of `column` across all written files, with its length in bytes (DuckDB's strlen). */
const lengths = (column: string) =>
  sql(
    `SELECT strlen(${column}) AS bytes FROM read_parquet([${files.map((f) => `'${join(dir, f.key)}'`).join(',')}]) WHERE ${column} IS NOT NULL`,
  ).then((rows) => rows.map((row) => Number(row.bytes)));

describe('the simulator truncates LOBs as DMS does', () => {
  it('writes no LOB value longer than LobMaxSize', async () => {
    // Act
    const bytes = [...(await lengths('doc')), ...(await lengths('note'))];

    // Assess
    expect(Math.max(...bytes)).toBe(LIMIT_BYTES);
  });

  it('logs one warning per value it cut, and a cut value is exactly LobMaxSize bytes', async () => {
    // Act
    const cut = [...(await lengths('doc')), ...(await lengths('note'))].filter((b) => b === LIMIT_BYTES);

    // Assess
    expect(cut.length).toBeGreaterThan(0);
    expect(taskLog).toHaveLength(cut.length);
  });

  it('names the column, the table, the limit and the real length in each warning', () => {
    // Act
    const line = taskLog[0] ?? '';

    // Assess
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d \[SOURCE_CAPTURE {2}\]W: {2}Value of column '(doc|note)' in table 'sales\.orders' was truncated to 1024 bytes, actual length: (\d+) bytes/,
    );
    expect(Number(/actual length: (\d+)/.exec(line)?.[1])).toBeGreaterThan(LIMIT_BYTES);
  });

  it('leaves values untouched when no LOB is oversized', async () => {
    // Prepare
    const plain = idAndCode(await simulateCodes(0));

    // Act
    const withLobs = idAndCode(await simulateCodes(10));

    // Assess
    expect(withLobs).toEqual(plain);
  });
});

describe('the LOB truncation metric filter', () => {
  it('counts every warning the simulator logs', () => {
    // Act
    const matched = taskLog.filter((line) => matchesFilterPattern(PATTERN, line));

    // Assess
    expect(matched).toEqual(taskLog);
  });

  it.each([
    "2026-01-01T00:00:00 [TASK_MANAGER    ]I:  Task 'ABC' running full load and CDC in fresh start mode  (replicationtask.c:1234)",
    "2026-01-01T00:00:01 [SOURCE_CAPTURE  ]W:  Table 'sales.orders' was truncated on the source  (mysql_endpoint.c:99)",
    '2026-01-01T00:00:02 [TARGET_LOAD     ]W:  Value was truncated to fit  (s3_imp.c:10)'.replace(
      ']W:',
      ']I:',
    ),
    "2026-01-01T00:00:03 [SOURCE_CAPTURE  ]E:  Value of column 'doc' in table 's.t' WAS TRUNCATED TO 1 bytes",
  ])('ignores an ordinary line: %s', (line) => {
    // Act
    const matched = matchesFilterPattern(PATTERN, line);

    // Assess
    expect(matched).toBe(false);
  });
});

/** Simulates only a non-LOB column's values, to compare runs with and without oversized LOBs. */
async function simulateCodes(oversizedLobEvery: number): Promise<Record<string, unknown>[]> {
  const out = await mkdtemp(join(tmpdir(), 'dms2bq-sim-lob-codes-'));
  try {
    const result = await simulate({
      mappings: [
        mappingFile({
          dms: { cdcMaxBatchIntervalSeconds: 60, lobMaxSizeKb: 1 },
          tables: [
            tableMappingFactory({
              columns: [
                { name: 'id', type: 'bigint' },
                { name: 'doc', type: 'json' },
                { name: 'code', type: 'varchar(16)' },
              ],
            }),
          ],
        }),
      ],
      sink: directorySink(out),
      minutes: 1,
      changesPerMinute: 100,
      initialRowsPerTable: 50,
      oversizedLobEvery,
    });
    const list = result.files.map((f) => `'${join(out, f.key)}'`).join(',');
    return await sql(`SELECT id, code FROM read_parquet([${list}]) ORDER BY ALL`);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const idAndCode = (rows: Record<string, unknown>[]) => rows.map((row) => `${row.id}:${row.code}`);

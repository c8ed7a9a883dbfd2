import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLocalCommand } from '../../cli/commands/local/local.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import type { PipelineSummary } from '../../local/pipeline/outcomes.js';
import { directorySink, simulate } from '../../local/simulator/index.js';
import { runDms2bq } from '../support/cli.js';

const dms2bq = (...argv: string[]) => runDms2bq([registerLocalCommand], argv);

describe('dms2bq local load', () => {
  let work: string;
  let files: string;
  let summary: PipelineSummary;
  let code: number;
  let stderr: string;
  let expectedFiles: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'dms2bq-local-load-'));
    files = join(work, 'files');
    const mappings = await loadMappingDir('mappings');
    const result = await simulate({
      mappings,
      sink: directorySink(files),
      minutes: 2,
      changesPerMinute: 200,
      initialRowsPerTable: 100,
    });
    const extra: Record<string, string | Uint8Array> = {
      'casino_a/game/bets/notes.txt': 'not a DMS file: ignored, as the S3 notification filter would',
      'casino_a/game/bets/2026/01/01/20260101-235959000.parquet': 'PAR1 truncated garbage',
      'casino_a/game/unmapped_table/LOAD00000001.parquet': new Uint8Array(64),
    };
    for (const [key, content] of Object.entries(extra)) {
      await mkdir(dirname(join(files, key)), { recursive: true });
      await writeFile(join(files, key), content);
    }
    // A well-formed file, written by another Parquet writer, that BigQuery refuses for its data: a
    // TIMESTAMP in year 10000. Its failed load must leave nothing behind for the good files.
    const outOfRange = join(files, 'casino_a/game/bets/2026/01/01/20260101-000000001.parquet');
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    await connection.run(
      `COPY (SELECT 'I' AS Op, 1::BIGINT AS id, make_timestamp(10000, 1, 1, 0, 0, 0) AS placed_at) TO '${outOfRange}' (FORMAT parquet)`,
    );
    connection.closeSync();
    duckdb.closeSync();
    expectedFiles = result.files.length + 3;
    const run = await dms2bq(
      'local',
      'load',
      files,
      '--warehouse',
      join(work, 'wh.duckdb'),
      '--deliveries',
      '2',
      '--json',
    );
    code = run.code;
    stderr = run.stderr;
    summary = JSON.parse(run.stdout) as PipelineSummary;
  }, 180_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('counts only the .parquet files', () => {
    // Assess
    expect(summary.files).toBe(expectedFiles);
  });

  it('loads every good file once and skips the second delivery', () => {
    // Assess
    expect(summary.loaded).toBe(expectedFiles - 3);
    expect(summary.duplicates).toBeGreaterThanOrEqual(expectedFiles - 3);
  });

  it('reports each bad file with its reason and exits 1', () => {
    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('3 file(s) failed to load');
    expect(summary.failed).toEqual([
      {
        key: 'casino_a/game/bets/2026/01/01/20260101-000000001.parquet',
        reason: expect.stringMatching(/placed_at/),
      },
      { key: 'casino_a/game/bets/2026/01/01/20260101-235959000.parquet', reason: expect.any(String) },
      {
        key: 'casino_a/game/unmapped_table/LOAD00000001.parquet',
        reason: expect.stringMatching(/Unmapped/i),
      },
    ]);
  });

  it('rejects a folder that does not exist', async () => {
    // Act
    const result = await dms2bq('local', 'load', join(work, 'missing'));

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('missing: not a directory') });
  });

  it('rejects a bad --deliveries as a usage error', async () => {
    // Act
    const result = await dms2bq('local', 'load', files, '--deliveries', 'two');

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('--deliveries two') });
  });
});

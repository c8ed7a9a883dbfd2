import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerReconcileCommand } from '../../cli/commands/operate/reconcile.js';
import { registerStatusCommand } from '../../cli/commands/operate/status.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline/local-pipeline.js';
import {
  type FileSink,
  type SimulationResult,
  simulate,
  writeGroundTruth,
} from '../../local/simulator/index.js';
import { runDms2bq } from '../support/cli.js';

interface StatusReport {
  tables: {
    source: string;
    schema: string;
    table: string;
    dms: Record<string, unknown>;
    newestLanded: { key: string } | null;
    loadJobs24h: number;
    freshnessSeconds: number | null;
    problems: string[];
  }[];
}

interface JsonReport {
  drifting: number;
  tables: { source: string; table: string; verdict: string; missingRows: number; drifting: boolean }[];
}

/**
 * A local run in which one landed CDC file never reaches S3 (DMS counted its changes, the pipeline
 * never saw them): `reconcile --local` must name the table and the missing count, then report all
 * tables matching once the file lands.
 */
describe('reconcile --local catches a lost file', () => {
  let dir: string;
  let pipeline: LocalPipeline;
  let simulation: SimulationResult;
  let skipped: { key: string; bytes: Uint8Array };
  let truthPath: string;

  const reconcile = (...extra: string[]) =>
    runDms2bq(
      [registerReconcileCommand],
      ['reconcile', '--local', '--bigquery-endpoint', pipeline.emulator.url, '--truth', truthPath, ...extra],
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dms2bq-reconcile-'));
    truthPath = join(dir, 'ground-truth.json');
    const mappings = await loadMappingDir('mappings');
    pipeline = await startLocalPipeline({ mappings });
    let cdcFiles = 0;
    const sink: FileSink = {
      async write(key, bytes) {
        // The third CDC file of the run is lost between DMS and S3.
        if (!key.includes('/LOAD') && ++cdcFiles === 3) {
          skipped = { key, bytes };
          return;
        }
        await pipeline.aws.s3.send(
          new PutObjectCommand({ Bucket: pipeline.aws.bucket, Key: key, Body: bytes }),
        );
      },
    };
    await pipeline.loadAll(async () => {
      simulation = await simulate({
        mappings,
        sink,
        minutes: 3,
        changesPerMinute: 300,
        initialRowsPerTable: 120,
        seed: 5,
        // Recent enough that every table is within the freshness SLO when `status` runs.
        start: new Date(Date.now() - 8 * 60_000),
      });
      return simulation.files.length - 1;
    });
    await writeGroundTruth(truthPath, simulation.truth);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('status --local shows every table healthy: DMS counts, landed and loaded files, fresh, no DLQ', async () => {
    // Act
    const run = await runDms2bq(
      [registerStatusCommand],
      [
        'status',
        '--local',
        '--json',
        '--endpoint',
        pipeline.aws.endpoint,
        '--bigquery-endpoint',
        pipeline.emulator.url,
        '--truth',
        truthPath,
      ],
    );

    // Assess
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as StatusReport;
    expect(report).toMatchObject({ target: 'local', deadLetterDepth: 0, alarms: [], loadJobsComplete: true });
    expect(report.tables).toHaveLength(Object.keys(simulation.truth.tables).length);
    for (const table of report.tables) {
      const truth = simulation.truth.tables[`${table.source}/${table.schema}/${table.table}`];
      const files = simulation.files.filter(
        (file) =>
          file.key.startsWith(`${table.source}/${table.schema}/${table.table}/`) && file.key !== skipped.key,
      );
      expect(table.problems).toEqual([]);
      expect(table.dms).toMatchObject({ taskStatus: 'running', fullLoadRows: truth?.counts.fullLoadRows });
      // CDC keys are named by write time; every table had CDC files after its full load.
      const newestCdc = files
        .filter((file) => file.kind === 'cdc')
        .map((file) => file.key)
        .sort()
        .at(-1);
      expect(table.newestLanded?.key).toBe(newestCdc);
      expect(table.loadJobs24h).toBe(files.length);
      expect(table.freshnessSeconds).toBeLessThan(600);
    }
  });

  it('status --local prints an aligned table and says every table is healthy', async () => {
    // Act
    const run = await runDms2bq(
      [registerStatusCommand],
      [
        'status',
        '--local',
        '--endpoint',
        pipeline.aws.endpoint,
        '--bigquery-endpoint',
        pipeline.emulator.url,
        '--truth',
        truthPath,
      ],
    );

    // Assess
    const [header, ...rows] = run.stdout.split('\n');
    expect(header).toMatch(/^TABLE +DMS TASK +DMS TABLE +DMS FULL\/INS\/UPD\/DEL +NEWEST LANDED/);
    expect(rows[0]?.indexOf('running')).toBe(header?.indexOf('DMS TASK'));
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).toContain(
      `all ${Object.keys(simulation.truth.tables).length} table(s) healthy (local)`,
    );
  });

  it('names the table of the lost file and its row count, and exits 1', async () => {
    // Prepare
    const [source, schema, table] = skipped.key.split('/');
    const truth = simulation.truth.tables[`${source}/${schema}/${table}`];
    const lostRows = simulation.files.find((file) => file.key === skipped.key)?.rows;

    // Act
    const run = await reconcile();

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`1 of ${Object.keys(simulation.truth.tables).length} table(s) drifting`);
    expect(run.stdout).toContain(
      `${source}.${truth?.targetTable} (${schema}.${table}): ${lostRows} row(s) missing`,
    );
    expect(run.stderr).toBe('reconcile: 1 table(s) drifting; see docs/runbooks/reconciliation-drift.md\n');
  });

  it('reports the drift in the documented JSON shape', async () => {
    // Prepare
    const lostRows = simulation.files.find((file) => file.key === skipped.key)?.rows;

    // Act
    const run = await reconcile('--json');

    // Assess
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.drifting).toBe(1);
    expect(report.tables[0]).toMatchObject({
      source: skipped.key.split('/')[0],
      table: skipped.key.split('/')[2],
      verdict: 'missing',
      missingRows: lostRows,
      drifting: true,
    });
    expect(report.tables.slice(1).every((table) => table.verdict === 'match')).toBe(true);
    expect(Object.keys(report)).toEqual(['target', 'generatedAt', 'drifting', 'tables']);
    expect(Object.keys(report.tables[0] ?? {})).toEqual([
      'source',
      'schema',
      'table',
      'dataset',
      'targetTable',
      'task',
      'verdict',
      'drifting',
      'since',
      'dms',
      'changelog',
      'missing',
      'missingRows',
      'surplusRows',
      'rows',
    ]);
  });

  it('reports every table matching once the lost file lands', async () => {
    // Prepare
    await pipeline.aws.s3.send(
      new PutObjectCommand({ Bucket: pipeline.aws.bucket, Key: skipped.key, Body: skipped.bytes }),
    );
    await pipeline.drain();

    // Act
    const run = await reconcile();

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `all ${Object.keys(simulation.truth.tables).length} table(s) reconcile (local)`,
    );
  });
});

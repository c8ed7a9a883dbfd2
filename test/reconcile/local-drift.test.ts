import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerReconcileCommand } from '../../cli/commands/operate/reconcile.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline/local-pipeline.js';
import {
  type FileSink,
  type SimulationResult,
  simulate,
  writeGroundTruth,
} from '../../local/simulator/index.js';
import { runDms2bq } from '../support/cli.js';

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
      });
      return simulation.files.length - 1;
    });
    await writeGroundTruth(truthPath, simulation.truth);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
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

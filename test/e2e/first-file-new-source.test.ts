import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderDatasetAccess } from '../../cli/operate/pipeline-access.js';
import type { MappingFile } from '../../lambdas/shared/mappings/model.js';
import { type ApplyResult, applyWarehouse } from '../../lambdas/shared/warehouse/apply.js';
import {
  LOCAL_LOCATION,
  type LocalPipeline,
  startLocalPipeline,
} from '../../local/pipeline/local-pipeline.js';
import { s3Sink, simulate } from '../../local/simulator/index.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

/** A source new to the stage: one table declares its columns, one does not. */
const newSource = (source: string): MappingFile => ({
  file: `mappings/${source}.json`,
  mapping: sourceMappingFactory({
    source,
    bigquery: { dataset: `${source}_cdc` },
    tables: [
      tableMappingFactory({
        table: 'orders',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'amount', type: 'decimal(18,2)' },
          { name: 'status', type: 'varchar(16)' },
        ],
      }),
      tableMappingFactory({ table: 'refunds', primaryKey: ['id'] }),
    ],
  }),
});

// CD's order (ADR 0031): `warehouse apply --phase pre` for the stage, then `cdk deploy` starts the
// new task, whose full load lands within minutes, then `--phase post`. `applied` went through it;
// `skipped` is the order before: the task's files arrive before anything exists in BigQuery.
const applied = newSource('fresh');
const skipped = newSource('early');

describe("a new source's first files, with warehouse apply --phase pre before the deploy", () => {
  let pipeline: LocalPipeline;
  let pre: ApplyResult;
  let tablesBeforeFirstFile: string[];
  let deadLetters: string[];
  const access = loaderDatasetAccess('dev');

  beforeAll(async () => {
    pipeline = await startLocalPipeline({ mappings: [applied, skipped], notifier: { testEvent: false } });
    pre = await applyWarehouse(pipeline.bigquery, [applied.mapping], LOCAL_LOCATION, {
      phase: 'pre',
      access,
    });
    const [tables] = await pipeline.bigquery.dataset('fresh_cdc').getTables();
    tablesBeforeFirstFile = tables.map((table) => `${table.id}:${table.metadata.type}`).sort();
    await simulate({
      mappings: [applied, skipped],
      sink: s3Sink(pipeline.aws.s3, pipeline.aws.bucket),
      minutes: 1,
      changesPerMinute: 30,
      initialRowsPerTable: 10,
    });
    await pipeline.drain();
    deadLetters = await pipeline.deadLetteredKeys();
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('gives the loader’s service account, named by the stage’s workload identity configuration, WRITER on the dataset', async () => {
    // Act
    const [metadata] = await pipeline.bigquery.dataset('fresh_cdc').getMetadata();

    // Assess
    expect(access).toEqual([
      { role: 'WRITER', userByEmail: 'dms2bq-loader@example-dev-project.iam.gserviceaccount.com' },
    ]);
    expect(metadata.access).toContainEqual(access[0]);
    expect(pre.accessGranted).toEqual([
      'WRITER on fresh_cdc to dms2bq-loader@example-dev-project.iam.gserviceaccount.com',
    ]);
  });

  it('creates the dataset and the declared changelog table, and no view yet (that is the post phase)', () => {
    // Assess
    expect(pre.datasetsCreated).toEqual(['fresh_cdc']);
    expect(tablesBeforeFirstFile).toEqual(['orders:TABLE']);
    expect(pre.viewsCreated).toEqual([]);
  });

  it('loads every first file of the applied source: none reaches the DLQ', async () => {
    // Act
    const [rows] = await pipeline.bigquery.query(
      'SELECT (SELECT COUNT(*) FROM `fresh_cdc.orders`) AS orders, (SELECT COUNT(*) FROM `fresh_cdc.refunds`) AS refunds',
    );

    // Assess
    expect(deadLetters.filter((key) => key.startsWith('fresh/'))).toEqual([]);
    expect(rows[0]).toMatchObject({ orders: expect.any(Number), refunds: expect.any(Number) });
    expect(Number(rows[0].orders)).toBeGreaterThanOrEqual(10);
    expect(Number(rows[0].refunds)).toBeGreaterThanOrEqual(10);
  });

  it('sends the first files of a source whose dataset was not applied first to the DLQ, as BigQuery refuses them', () => {
    // Assess
    expect(deadLetters.filter((key) => key.startsWith('early/')).length).toBeGreaterThan(0);
  });

  it('leaves nothing to grant by hand: a second pre phase finds the access in place', async () => {
    // Act
    const again = await applyWarehouse(pipeline.bigquery, [applied.mapping], LOCAL_LOCATION, {
      phase: 'pre',
      access,
    });

    // Assess
    expect(again.accessGranted).toEqual([]);
    expect(again.datasetsCreated).toEqual([]);
  });
});

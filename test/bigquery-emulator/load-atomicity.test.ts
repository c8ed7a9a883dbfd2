import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiError,
  type EmulatorFixture,
  freshDataset,
  loaderLoadOptions,
  parquetFile,
  startEmulatorFixture,
  uniqueJobId,
  uploadAndWait,
} from './helpers.js';

const rowsSelect = (from: number, to: number, extra = ''): string =>
  `SELECT range::BIGINT AS id, 'name_' || range AS name${extra} FROM range(${from}, ${to})`;

describe('BigQuery emulator: a failed load leaves nothing, catalog included', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const load = (datasetId: string, path: string) =>
    uploadAndWait(fixture.bigquery.dataset(datasetId).table('t'), path, {
      ...loaderLoadOptions,
      jobId: uniqueJobId('atomic'),
    });
  /** A Parquet file whose footer reads (so the table is created) and whose data pages do not. */
  const damagedFile = async (select: string): Promise<string> => {
    const whole = await readFile(await parquetFile(fixture, select));
    const damaged = Buffer.from(whole);
    damaged.fill(0xff, 4, Math.floor(whole.length / 2));
    const path = `${fixture.dir}/damaged-${uniqueJobId()}.parquet`;
    await writeFile(path, damaged);
    return path;
  };
  const tableGet = (datasetId: string) =>
    fixture.bigquery
      .dataset(datasetId)
      .table('t')
      .getMetadata()
      .then(
        ([metadata]) => metadata,
        (error: unknown) => apiError(error),
      );

  it('leaves no table after a failed table-creating load: tables.get answers 404', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    const path = await damagedFile(rowsSelect(0, 50_000));

    // Act
    const job = await load(datasetId, path);

    // Assess
    expect(job.status?.errorResult?.reason).toBe('invalid');
    expect(await tableGet(datasetId)).toEqual({ code: 404, reason: 'notFound' });
  });

  it('loads a good file after a failed table-creating load', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, await damagedFile(rowsSelect(0, 50_000)));

    // Act
    const job = await load(datasetId, await parquetFile(fixture, rowsSelect(0, 3)));

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
    expect(await tableGet(datasetId)).toMatchObject({ numRows: '3' });
  });

  it('leaves no new column after a failed column-adding load', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, await parquetFile(fixture, rowsSelect(0, 3)));

    // Act
    const job = await load(datasetId, await damagedFile(rowsSelect(0, 50_000, ', range * 2 AS extra')));

    // Assess
    expect(job.status?.errorResult?.reason).toBe('invalid');
    expect(await tableGet(datasetId)).toMatchObject({
      numRows: '3',
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
          { name: 'name', type: 'STRING', mode: 'NULLABLE' },
        ],
      },
    });
  });

  it('adds the column with a later good file after a failed column-adding load', async () => {
    // Prepare
    const datasetId = await freshDataset(fixture);
    await load(datasetId, await parquetFile(fixture, rowsSelect(0, 3)));
    await load(datasetId, await damagedFile(rowsSelect(0, 50_000, ', range * 2 AS extra')));

    // Act
    const job = await load(datasetId, await parquetFile(fixture, rowsSelect(3, 5, ', range * 2 AS extra')));

    // Assess
    expect(job.status?.errorResult).toBeUndefined();
    const rows = await fixture.emulator.query(`SELECT id, extra FROM "${datasetId}".t ORDER BY id`);
    expect(rows.map((row) => row.extra)).toEqual([null, null, null, '6', '8']);
  });
});

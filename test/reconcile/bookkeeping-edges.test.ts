import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replaceBookkeepingTable } from '../../lambdas/shared/reconcile/bookkeeping-table.js';
import {
  RELOADS_TABLE,
  type ReloadRecord,
  readReloadRecords,
  writeReloadRecords,
} from '../../lambdas/shared/reconcile/reload-record.js';
import {
  type ClosedTotals,
  RUNNING_TOTALS_TABLE,
  readRunningTotals,
  writeRunningTotals,
} from '../../lambdas/shared/reconcile/running-totals.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';

const records: ReloadRecord[] = [
  {
    targetTable: 'payments',
    fullLoadStart: '2026-02-01T08:00:00.000Z',
    boundary: '2026-02-01 08:00:00.000000',
    deleted: 3,
  },
  {
    targetTable: 'orders',
    fullLoadStart: '2026-02-02T09:00:00.000Z',
    boundary: '2026-02-02 09:00:00.000000',
    deleted: 0,
  },
];

const totals: ClosedTotals[] = [
  {
    targetTable: 'payments',
    since: '2026-02-01T08:00:00.000Z',
    boundary: new Date('2026-02-05T00:00:00Z'),
    I: 7,
    U: 5,
    D: 2,
    newest: '2026-02-04 23:00:00.000000',
  },
  {
    targetTable: 'orders',
    since: '',
    boundary: new Date('2026-02-05T00:00:00Z'),
    I: 1,
    U: 0,
    D: 4,
    newest: '2026-02-03 10:00:00.000000',
  },
];

describe('the bookkeeping tables of a changelog dataset', () => {
  let fixture: EmulatorFixture;
  let dataset: string;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });
  beforeEach(async () => {
    fixture.emulator.faults.reset();
    dataset = await freshDataset(fixture);
  });

  const jobsOf = async (table: string) => {
    const [jobs] = await fixture.bigquery.getJobs({ allUsers: true });
    return jobs.filter((job) => (job.id ?? '').startsWith(`${table}_${dataset}_`)).map((job) => job.id);
  };

  it('reads back every field of the reload records written', async () => {
    // Act
    await writeReloadRecords(fixture.bigquery, dataset, records);
    const read = await readReloadRecords(fixture.bigquery, dataset);

    // Assess
    expect([...read].sort((a, b) => a.targetTable.localeCompare(b.targetTable))).toEqual([
      records[1],
      records[0],
    ]);
  });

  it('writes the same reload records given in another order as the same job', async () => {
    // Act
    await writeReloadRecords(fixture.bigquery, dataset, records);
    await writeReloadRecords(fixture.bigquery, dataset, [...records].reverse());

    // Assess
    expect(await jobsOf(RELOADS_TABLE)).toHaveLength(1);
  });

  it('reads back every field of the running totals written', async () => {
    // Act
    await writeRunningTotals(fixture.bigquery, dataset, totals);
    const read = await readRunningTotals(fixture.bigquery, dataset);

    // Assess
    expect(read).toEqual(new Map(totals.map((row) => [row.targetTable, row])));
  });

  it('writes the same running totals given in another order as the same job', async () => {
    // Act
    await writeRunningTotals(fixture.bigquery, dataset, totals);
    await writeRunningTotals(fixture.bigquery, dataset, [...totals].reverse());

    // Assess
    expect(await jobsOf(RUNNING_TOTALS_TABLE)).toHaveLength(1);
  });

  it('passes on a failure to read either table other than its absence', async () => {
    // Prepare
    await writeReloadRecords(fixture.bigquery, dataset, records);
    await writeRunningTotals(fixture.bigquery, dataset, totals);
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: '/data',
      status: 403,
      reason: 'accessDenied',
      times: 2,
    });

    // Act
    const reading = readReloadRecords(fixture.bigquery, dataset);
    const summing = readRunningTotals(fixture.bigquery, dataset);

    // Assess
    await expect(reading).rejects.toMatchObject({ code: 403 });
    await expect(summing).rejects.toMatchObject({ code: 403 });
  });

  it('refuses a running-totals row whose boundary is not a time, and says how to recover', async () => {
    // Prepare: a row as a hand edit could leave it.
    await replaceBookkeepingTable(
      fixture.bigquery,
      dataset,
      RUNNING_TOTALS_TABLE,
      [
        { name: 'target_table', data: ['orders'], type: 'STRING' },
        { name: 'since', data: [''], type: 'STRING' },
        { name: 'boundary', data: ['yesterday'], type: 'STRING' },
        { name: 'i', data: [1n], type: 'INT64' },
        { name: 'u', data: [0n], type: 'INT64' },
        { name: 'd', data: [0n], type: 'INT64' },
        { name: 'newest', data: [''], type: 'STRING' },
      ],
      60_000,
    );

    // Act
    const reading = readRunningTotals(fixture.bigquery, dataset);

    // Assess
    await expect(reading).rejects.toThrow(
      `${dataset}.${RUNNING_TOTALS_TABLE}: row of orders has boundary "yesterday", not a time; delete the table and reconciliation recounts from each table's FullLoadStartTime`,
    );
  });

  it('names the table, the job and BigQuery’s message when the write fails', async () => {
    // Prepare
    fixture.emulator.faults.failJob({ reason: 'invalid', message: 'Error while reading data' });

    // Act
    const writing = writeReloadRecords(fixture.bigquery, dataset, records);

    // Assess
    await expect(writing).rejects.toThrow(
      new RegExp(
        `^writing ${dataset}\\.${RELOADS_TABLE} \\(job ${RELOADS_TABLE}_${dataset}_[0-9a-f]{32}\\) failed: Error while reading data$`,
      ),
    );
  });
});

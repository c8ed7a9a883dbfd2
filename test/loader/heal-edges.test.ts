import type { TableField, TableMetadata } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healKeysFromChangelog } from '../../lambdas/loader/current-table/heal.js';
import { type CdcStreamer, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { currentState, deliver, duckdbParquet, tableRoute, tableRouting } from './current-table-helpers.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, PROJECT, startLoaderHarness } from './harness.js';

/**
 * healKeysFromChangelog on its own (ADR 0041): what it counts of the changelog's latest changes, a
 * delete among them, and a file range no changelog row falls in. The changelog `bets` and its CDC
 * table are filled by the real loader; each test heals straight into `bets_current`.
 */
const seq = (n: number) => `2024032701430${n}00${String(n).padStart(19, '0')}`;
const change = (op: string, n: number, id: number) =>
  `('${op}', '2024-03-27 01:43:0${n}.000000', '${seq(n)}', CAST(${id} AS BIGINT), 'n${id}-${n}')`;
const select = (rows: string[]) =>
  `SELECT * FROM (VALUES ${rows.join(', ')}) AS t("Op", _dms_timestamp, _dms_change_seq, id, name)`;

describe('healing a file’s keys from the changelog', { timeout: 120_000 }, () => {
  let h: LoaderHarness;
  let streamer: CdcStreamer;
  let fields: TableField[];

  beforeAll(async () => {
    h = await startLoaderHarness({ currentTables: true, loader: { routing: tableRouting } });
    const inserts = await duckdbParquet(
      h.emulator,
      select([change('I', 1, 1), change('I', 1, 2), change('I', 1, 3)]),
    );
    expect(await deliver(h, cdcKeyAt(1), inserts)).toEqual([]);
    const second = await duckdbParquet(h.emulator, select([change('D', 2, 2), change('U', 2, 3)]));
    expect(await deliver(h, cdcKeyAt(2), second)).toEqual([]);
    streamer = createCdcStreamer(h.emulator.storageWrite?.clientOptions ?? {});
    const [metadata] = await h.bigquery.dataset(tableRoute.dataset).table('bets_current').getMetadata();
    fields = ((metadata as TableMetadata).schema?.fields ?? []) as TableField[];
  });

  afterAll(async () => {
    await streamer?.close();
    await h?.stop();
  });

  const heal = (timestamps?: { min: string; max: string }) =>
    healKeysFromChangelog({
      bigquery: h.bigquery,
      streamer,
      location: LOCATION,
      projectId: PROJECT,
      route: tableRoute,
      fields,
      ...(timestamps ? { timestamps } : {}),
    });

  it('counts a key whose latest change is a delete as a delete, the others as upserts', async () => {
    // Act
    const result = await heal();

    // Assess: key 2 was deleted by the second file; keys 1 and 3 are upserts of their latest rows.
    expect(result).toEqual({ upserts: 2, deletes: 1, requests: 1 });
    expect(await currentState(h, 'id, name')).toEqual([
      { id: '1', name: 'n1-1' },
      { id: '3', name: 'n3-2' },
    ]);
  });

  it('heals only the keys of the file’s range: the delete of the second file', async () => {
    // Act
    const result = await heal({ min: '2024-03-27 01:43:02.000000', max: '2024-03-27 01:43:02.000000' });

    // Assess
    expect(result).toEqual({ upserts: 1, deletes: 1, requests: 1 });
  });

  it('sends nothing for a range no changelog row falls in', async () => {
    // Act
    const result = await heal({ min: '2030-01-01 00:00:00.000000', max: '2030-01-01 00:00:00.000000' });

    // Assess
    expect(result).toEqual({ upserts: 0, deletes: 0, requests: 0 });
  });
});

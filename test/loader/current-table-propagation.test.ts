import { afterEach, describe, expect, it } from 'vitest';
import {
  currentState,
  deliver,
  duckdbParquet,
  FUNCTION_TIMEOUT_MS,
  loadJobCount,
  tableRouting,
} from './current-table-helpers.js';
import { cdcKeyAt, type HarnessOptions, type LoaderHarness, startLoaderHarness } from './harness.js';
import { capturingLogger } from './logs.js';

/** ADR 0028's test delay: ten minutes, well past what one wait of the loader covers. */
const DELAY_SECONDS = 600;

const change = (op: string, n: number, id: number, name: string) =>
  `SELECT '${op}' AS "Op", '2024-03-27 01:43:0${n}.000000' AS _dms_timestamp,
    '${String(n).padStart(35, '0')}' AS _dms_change_seq, CAST(${id} AS BIGINT) AS id, '${name}' AS name`;
const withNote = (select: string, note: string) => `SELECT *, '${note}' AS note FROM (${select})`;
describe('loader: a schema change that has not reached the Storage Write API yet is waited for, never dead-lettered', {
  timeout: 60_000,
}, () => {
  let harness: LoaderHarness | undefined;
  let logs: ReturnType<typeof capturingLogger> | undefined;
  afterEach(async () => {
    logs?.restore();
    logs = undefined;
    await harness?.stop();
    harness = undefined;
  });
  const start = async (options: HarnessOptions = {}) => {
    logs = capturingLogger('WARN');
    harness = await startLoaderHarness({
      currentTables: true,
      schemaPropagationSeconds: DELAY_SECONDS,
      ...options,
      loader: { routing: tableRouting, logger: logs.logger, ...options.loader },
    });
    return harness;
  };

  it('adds the column, waits until BigQuery takes it (on the emulator clock), and streams the file in the same delivery', async () => {
    // Prepare
    const h = await start();
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, change('I', 1, 1, 'a')));
    const startedAt = h.emulator.clock.now();

    // Act
    const failed = await deliver(
      h,
      cdcKeyAt(2),
      await duckdbParquet(h.emulator, withNote(change('U', 2, 1, 'b'), 'hello')),
      FUNCTION_TIMEOUT_MS,
    );

    // Assess: the waits spanned the delay, each one logged with the refusal's code.
    expect(failed).toEqual([]);
    expect(await currentState(h, 'id, name, note')).toEqual([{ id: '1', name: 'b', note: 'hello' }]);
    expect(h.emulator.clock.now() - startedAt).toBeGreaterThanOrEqual(DELAY_SECONDS * 1000);
    const waits = logs?.warnings().filter((line) => String(line.message).includes('schema change yet'));
    expect(waits?.length).toBeGreaterThan(1);
    expect(waits?.[0]).toMatchObject({
      code: 'INVALID_ARGUMENT',
      bigqueryTable: 'casino_a_cdc.bets_current',
    });
  });

  it('fails the record as transient when the invocation cannot wait long enough, and streams it on a later delivery', async () => {
    // Prepare: a first wait longer than the invocation has left.
    const h = await start({
      propagationWaits: {
        retry: { baseDelayMs: 120_000, maxDelayMs: 120_000 },
        sleep: () => Promise.reject(new Error('no wait fits in the invocation')),
      },
    });
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, change('I', 1, 1, 'a')));
    const file = await duckdbParquet(h.emulator, withNote(change('U', 2, 1, 'b'), 'hello'));

    // Act
    const firstTry = await deliver(h, cdcKeyAt(2), file);
    const jobs = await loadJobCount(h);
    h.emulator.clock.advance(DELAY_SECONDS);
    const secondTry = await deliver(h, cdcKeyAt(2));

    // Assess: transient (the record backs off instead of walking to the DLQ), named, then streamed.
    expect(firstTry).toHaveLength(1);
    expect(logs?.errors()).toEqual([
      expect.objectContaining({ code: 'SCHEMA_PROPAGATION', permanent: false, key: cdcKeyAt(2) }),
    ]);
    expect(secondTry).toEqual([]);
    expect(await loadJobCount(h)).toBe(jobs);
    expect(await currentState(h, 'id, name, note')).toEqual([{ id: '1', name: 'b', note: 'hello' }]);
  });

  it('waits the same way when a file too old to stream heals its keys with a new column (a redrive days later)', async () => {
    // Prepare: the loader judges age (and its deadline) on the emulator's clock, three days past the
    // files' writing; two minutes of propagation fit in the invocation's waits on that clock.
    let clock: (() => number) | undefined;
    const h = await start({
      schemaPropagationSeconds: 120,
      loader: { routing: tableRouting, now: () => (clock ? clock() : Date.now()) },
    });
    clock = () => h.emulator.clock.now();
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, change('I', 1, 1, 'a')));
    const file = await duckdbParquet(h.emulator, withNote(change('U', 2, 1, 'b'), 'hello'));
    h.emulator.clock.advance(3 * 86_400);

    // Act: the file's first load adds the column, and its keys heal from the changelog.
    const failed = await deliver(h, cdcKeyAt(2), file, FUNCTION_TIMEOUT_MS);

    // Assess: waited for the column like a stream does, never dead-lettered.
    expect(logs?.errors()).toEqual([]);
    expect(failed).toEqual([]);
    expect(await currentState(h, 'id, name, note')).toEqual([{ id: '1', name: 'b', note: 'hello' }]);
    const waits = logs?.warnings().filter((line) => String(line.message).includes('healing the file'));
    expect(waits?.length).toBeGreaterThan(0);
  });

  it('waits for a CDC table created again under a dropped name (NOT_FOUND) and streams into it', async () => {
    // Prepare: the table streamed once, then someone dropped it; the loader recreates it.
    const h = await start();
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, change('I', 1, 1, 'a')));
    await h.bigquery.dataset('casino_a_cdc').table('bets_current').delete();

    // Act
    const failed = await deliver(
      h,
      cdcKeyAt(2),
      await duckdbParquet(h.emulator, change('I', 2, 2, 'b')),
      FUNCTION_TIMEOUT_MS,
    );

    // Assess
    expect(failed).toEqual([]);
    expect(await currentState(h, 'id, name')).toEqual([{ id: '2', name: 'b' }]);
    expect(logs?.warnings().some((line) => line.code === 'NOT_FOUND')).toBe(true);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { currentState, deliver, duckdbParquet, tableRouting } from './current-table-helpers.js';
import { cdcKeyAt, type HarnessOptions, type LoaderHarness, startLoaderHarness } from './harness.js';

const change = (n: number, id: number, amount: string) =>
  `SELECT 'U' AS "Op", '2024-03-27 01:43:0${n}.000000' AS _dms_timestamp,
    '${String(n).padStart(35, '0')}' AS _dms_change_seq, CAST(${id} AS BIGINT) AS id, ${amount} AS amount`;

describe('loader: a column the changelog widens is widened in the CDC table too', { timeout: 60_000 }, () => {
  let harness: LoaderHarness | undefined;
  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
  });
  const start = async (options: HarnessOptions = {}) => {
    harness = await startLoaderHarness({
      currentTables: true,
      ...options,
      loader: { routing: tableRouting, ...options.loader },
    });
    return harness;
  };
  const typeOf = async (h: LoaderHarness, table: string, column: string) => {
    const [metadata] = await h.bigquery.dataset('casino_a_cdc').table(table).getMetadata();
    return ((metadata.schema?.fields ?? []) as { name: string; type: string }[]).find(
      (f) => f.name === column,
    )?.type;
  };

  it('widens NUMERIC to BIGNUMERIC (DECIMAL(18,2) → DECIMAL(38,10)) and streams the file, no file lost', async () => {
    // Prepare
    const h = await start();
    await deliver(
      h,
      cdcKeyAt(1),
      await duckdbParquet(h.emulator, change(1, 1, "CAST('2.50' AS DECIMAL(18,2))")),
    );

    // Act
    const failed = [
      ...(await deliver(
        h,
        cdcKeyAt(2),
        await duckdbParquet(h.emulator, change(2, 1, "CAST('1234567890123.0123456789' AS DECIMAL(38,10))")),
      )),
      ...(await deliver(
        h,
        cdcKeyAt(3),
        await duckdbParquet(h.emulator, change(3, 2, "CAST('-0.0000000001' AS DECIMAL(38,10))")),
      )),
    ];

    // Assess
    expect(failed).toEqual([]);
    expect(await typeOf(h, 'bets', 'amount')).toBe('BIGNUMERIC');
    expect(await typeOf(h, 'bets_current', 'amount')).toBe('BIGNUMERIC');
    expect(
      await h.bigquery
        .query(`SELECT id, CAST(amount AS STRING) AS amount FROM casino_a_cdc.bets_current ORDER BY id`)
        .then(([rows]) => rows),
    ).toEqual([
      { id: 1, amount: '1234567890123.0123456789' },
      { id: 2, amount: '-0.0000000001' },
    ]);
  });

  it('widens INT64 to FLOAT64 across a schema propagation delay, with a new column in the same file', async () => {
    // Prepare
    const h = await start({ schemaPropagationSeconds: 600 });
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, change(1, 1, 'CAST(7 AS BIGINT)')));
    const widened = `SELECT *, 'n' AS note FROM (${change(2, 1, 'CAST(7.25 AS DOUBLE)')})`;

    // Act
    const failed = await deliver(h, cdcKeyAt(2), await duckdbParquet(h.emulator, widened));

    // Assess
    expect(failed).toEqual([]);
    expect(await typeOf(h, 'bets_current', 'amount')).toBe('FLOAT');
    expect(await currentState(h, 'id, amount, note')).toEqual([{ id: '1', amount: 7.25, note: 'n' }]);
  });

  it('widens the CDC table for a widened file too old to stream, whose keys heal from the changelog', async () => {
    // Prepare: the loader judges age on the emulator's clock; the container remembers the INT64 column.
    let clock: (() => number) | undefined;
    const h = await start({ loader: { now: () => (clock ? clock() : Date.now()) } });
    clock = () => h.emulator.clock.now();
    await deliver(h, cdcKeyAt(1), await duckdbParquet(h.emulator, change(1, 1, 'CAST(7 AS BIGINT)')));
    const widened = await duckdbParquet(h.emulator, change(2, 1, 'CAST(7.25 AS DOUBLE)'));
    h.emulator.clock.advance(3 * 86_400);

    // Act: a redrive three days later, the first delivery of the widened file in this container.
    const failed = await deliver(h, cdcKeyAt(2), widened);

    // Assess
    expect(failed).toEqual([]);
    expect(await typeOf(h, 'bets_current', 'amount')).toBe('FLOAT');
    expect(await currentState(h, 'id, amount')).toEqual([{ id: '1', amount: 7.25 }]);
  });

  it('is refused by the emulator as BigQuery refuses it: no narrowing of a CDC table column', async () => {
    // Prepare
    const h = await start();
    await deliver(
      h,
      cdcKeyAt(1),
      await duckdbParquet(h.emulator, change(1, 1, "CAST('2.50' AS DECIMAL(18,2))")),
    );

    // Act
    const narrowing = h.bigquery.query(
      'ALTER TABLE `local-project.casino_a_cdc.bets_current` ALTER COLUMN amount SET DATA TYPE INT64',
    );

    // Assess
    await expect(narrowing).rejects.toThrow(
      'ALTER TABLE ALTER COLUMN SET DATA TYPE requires that the existing column type (NUMERIC) is assignable to the new type (INT64)',
    );
  });
});

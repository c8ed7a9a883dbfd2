import { describe, expect, it } from 'vitest';
import { KnownTables } from '../../lambdas/loader/known-tables.js';
import { Deadline, TimeBudgetError } from '../../lambdas/shared/bigquery/deadline.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { useEmulatorClient } from './emulator-client.js';
import { betsRoute } from './fixtures.js';

const DATASET = 'known_tables';
const OTHER_DATASET = 'known_tables_other';
const retry = { baseDelayMs: 1, maxDelayMs: 5 };
const plenty = () => new Deadline(Date.now() + 60_000);
const routeTo = (targetTable: string, dataset = DATASET): Route => ({ ...betsRoute, dataset, targetTable });

/** `KnownTables` against the emulator through the production client: what it looks up, and what it remembers. */
describe('KnownTables', { timeout: 60_000 }, () => {
  const fixture = useEmulatorClient(DATASET);

  const create = async (targetTable: string, dataset = DATASET) => {
    await fixture.bigquery
      .dataset(dataset)
      .createTable(targetTable, { schema: { fields: [{ name: 'a', type: 'STRING' }] } });
  };
  const drop = async (targetTable: string, dataset = DATASET) => {
    await fixture.bigquery.dataset(dataset).table(targetTable).delete();
  };

  it('does not look a table up again once it has seen it', async () => {
    // Prepare: the table is seen, then dropped behind the container's back.
    const known = new KnownTables(fixture.bigquery);
    await create('seen_once');
    const first = await known.exists(routeTo('seen_once'), plenty(), retry);
    await drop('seen_once');

    // Act: a tables.get now would answer 404.
    const second = await known.exists(routeTo('seen_once'), plenty(), retry);

    // Assess
    expect([first, second]).toEqual([true, true]);
  });

  it('looks a missing table up again, and remembers it once it exists', async () => {
    // Prepare
    const known = new KnownTables(fixture.bigquery);
    const before = await known.exists(routeTo('created_later'), plenty(), retry);
    await create('created_later');
    const after = await known.exists(routeTo('created_later'), plenty(), retry);
    await drop('created_later');

    // Act
    const remembered = await known.exists(routeTo('created_later'), plenty(), retry);

    // Assess
    expect([before, after, remembered]).toEqual([false, true, true]);
  });

  it('remembers each table by its dataset and name, not one for all', async () => {
    // Prepare: `shared_name` exists in the first dataset only; `absent` in neither.
    await fixture.bigquery.createDataset(OTHER_DATASET, { location: fixture.emulator.location });
    await create('shared_name');
    const known = new KnownTables(fixture.bigquery);
    await known.exists(routeTo('shared_name'), plenty(), retry);

    // Act
    const otherTable = await known.exists(routeTo('absent'), plenty(), retry);
    const otherDataset = await known.exists(routeTo('shared_name', OTHER_DATASET), plenty(), retry);

    // Assess
    expect({ otherTable, otherDataset }).toEqual({ otherTable: false, otherDataset: false });
  });

  it('counts a table as present after a load into it, without looking it up', async () => {
    // Prepare: a load created the table; the lookup would now answer 404 (the table was not created here).
    const known = new KnownTables(fixture.bigquery);

    // Act
    known.loaded(routeTo('loaded_into'));
    const exists = await known.exists(routeTo('loaded_into'), plenty(), retry);

    // Assess
    expect(exists).toBe(true);
  });

  it('remembers a load by its own table only', async () => {
    // Prepare
    const known = new KnownTables(fixture.bigquery);

    // Act
    known.loaded(routeTo('loaded_one'));
    const another = await known.exists(routeTo('never_loaded'), plenty(), retry);

    // Assess
    expect(another).toBe(false);
  });

  it('names the table it had no time left to look up', async () => {
    // Prepare: a deadline already spent.
    const known = new KnownTables(fixture.bigquery);
    const spent = new Deadline(1_000, () => 2_000);

    // Act
    const looking = known.exists(routeTo('late_lookup'), spent, retry);

    // Assess
    await expect(looking).rejects.toThrow(
      new TimeBudgetError(`out of time before look up ${DATASET}.late_lookup; the record will be retried`),
    );
  });
});

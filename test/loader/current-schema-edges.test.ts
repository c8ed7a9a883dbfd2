import type { TableField } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import {
  type CurrentTableChange,
  CurrentTableSchemas,
} from '../../lambdas/loader/current-table/current-schema.js';
import { CurrentIsViewError, CurrentTableStreamError } from '../../lambdas/loader/current-table-sink.js';
import { Deadline, type RetryPolicy, TimeBudgetError } from '../../lambdas/shared/bigquery/deadline.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { useEmulatorClient } from './emulator-client.js';
import { betsRoute } from './fixtures.js';

const DATASET = betsRoute.dataset;
const retry: RetryPolicy = { baseDelayMs: 1, maxDelayMs: 1 };
/** A budget no test reaches: the clock it reads is fixed. */
const ample = () => new Deadline(3_600_000, () => 0);

/** A `current: table` route over the changelog `target`, keyed by `id`. */
const routeTo = (target: string): Route => ({ ...betsRoute, targetTable: target, current: 'table' });

/** The columns DMS writes besides the source's, as a changelog holds them. */
const DMS_FIELDS: TableField[] = [
  { name: 'Op', type: 'STRING', mode: 'NULLABLE' },
  { name: '_dms_timestamp', type: 'TIMESTAMP', mode: 'NULLABLE' },
  { name: '_dms_change_seq', type: 'STRING', mode: 'NULLABLE' },
];

/** A file's columns as DMS writes them: `Op` and `_dms_timestamp` are not streamed. */
const fileColumns = (...source: string[]) => ['Op', '_dms_timestamp', '_dms_change_seq', ...source];

/** name, type and mode of each field, in order: what a schema comparison needs. */
const shape = (fields: readonly TableField[]) =>
  fields.map((field) => [field.name, field.type, field.mode ?? 'NULLABLE']);

/** The CDC table's columns after the changelog's source columns. */
const ADDED = [
  ['_source_changed_at', 'TIMESTAMP', 'NULLABLE'],
  ['_dms_change_seq', 'STRING', 'NULLABLE'],
];

describe('CurrentTableSchemas against the BigQuery emulator', { timeout: 60_000 }, () => {
  const fixture = useEmulatorClient(DATASET);

  const createChangelog = async (name: string, source: TableField[]) => {
    await fixture.bigquery
      .dataset(DATASET)
      .createTable(name, { schema: { fields: [...DMS_FIELDS, ...source] } });
  };
  const schemaOf = async (name: string) => {
    const [metadata] = await fixture.bigquery.dataset(DATASET).table(name).getMetadata();
    return shape((metadata.schema?.fields ?? []) as TableField[]);
  };
  /** Schemas of one container, with the changes it reported. */
  const container = () => {
    const changes: [string, CurrentTableChange, string[]][] = [];
    const schemas = new CurrentTableSchemas(fixture.bigquery, (table, change, columns) => {
      changes.push([table, change, columns]);
    });
    return { schemas, changes };
  };
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected prepare to be refused');
      },
      (error: unknown) => error,
    );

  it('creates a missing CDC table from the changelog, reports it, and remembers its fields', async () => {
    // Prepare
    const route = routeTo('created');
    await createChangelog('created', [
      { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE' },
    ]);
    const { schemas, changes } = container();
    const expected = [['id', 'INTEGER', 'NULLABLE'], ['amount', 'NUMERIC', 'NULLABLE'], ...ADDED];

    // Act
    const first = await schemas.prepare(route, fileColumns('id', 'amount'), ample(), retry);
    // The same columns again, as a later file may spell them (BigQuery names are case-insensitive).
    const again = await schemas.prepare(route, fileColumns('ID', 'Amount'), ample(), retry);

    // Assess
    expect(first.fromCache).toBe(false);
    expect(shape(first.fields)).toEqual(expected);
    expect(await schemaOf('created_current')).toEqual(expected);
    expect(changes).toEqual([
      ['casino_a_cdc.created_current', 'created', ['id', 'amount', '_source_changed_at', '_dms_change_seq']],
    ]);
    expect(again).toEqual({ fields: first.fields, fromCache: true });
  });

  it('reads the table again for a file with a column its fields lack, and appends it NULLABLE', async () => {
    // Prepare
    const route = routeTo('grown');
    await createChangelog('grown', [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }]);
    const { schemas, changes } = container();
    await schemas.prepare(route, fileColumns('id'), ample(), retry);
    await fixture.bigquery
      .dataset(DATASET)
      .table('grown')
      .setMetadata({
        schema: {
          fields: [
            ...DMS_FIELDS,
            { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
            { name: 'note', type: 'STRING', mode: 'NULLABLE' },
          ],
        },
      });

    // Act
    const grown = await schemas.prepare(route, fileColumns('id', 'note'), ample(), retry);

    // Assess
    const expected = [['id', 'INTEGER', 'NULLABLE'], ...ADDED, ['note', 'STRING', 'NULLABLE']];
    expect(grown.fromCache).toBe(false);
    expect(shape(grown.fields)).toEqual(expected);
    expect(grown.fields.at(-1)?.mode).toBe('NULLABLE');
    expect(await schemaOf('grown_current')).toEqual(expected);
    expect(changes.slice(1)).toEqual([['casino_a_cdc.grown_current', 'columns-added', ['note']]]);
  });

  it('takes a table another container made up to date as it is: no change reported', async () => {
    // Prepare
    const route = routeTo('shared');
    await createChangelog('shared', [
      { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'amount', type: 'FLOAT', mode: 'NULLABLE' },
    ]);
    const creator = container();
    const created = await creator.schemas.prepare(route, fileColumns('id', 'amount'), ample(), retry);
    const other = container();

    // Act
    const prepared = await other.schemas.prepare(route, fileColumns('id', 'amount'), ample(), retry);

    // Assess
    expect(prepared.fromCache).toBe(false);
    expect(shape(prepared.fields)).toEqual(shape(created.fields));
    expect(other.changes).toEqual([]);
    expect(await schemaOf('shared_current')).toEqual(shape(created.fields));
  });

  it('widens a column the changelog widened and names it, old and new type, for the operator', async () => {
    // Prepare
    const route = routeTo('widened');
    await createChangelog('widened', [
      { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'amount', type: 'INTEGER', mode: 'NULLABLE' },
    ]);
    const { schemas, changes } = container();
    await schemas.prepare(route, fileColumns('id', 'amount'), ample(), retry);
    await fixture.bigquery.query(
      `ALTER TABLE \`${fixture.bigquery.projectId}.${DATASET}.widened\` ALTER COLUMN amount SET DATA TYPE FLOAT64`,
    );
    schemas.forget(route);

    // Act
    const prepared = await schemas.prepare(route, fileColumns('id', 'amount'), ample(), retry);

    // Assess
    const expected = [['id', 'INTEGER', 'NULLABLE'], ['amount', 'FLOAT', 'NULLABLE'], ...ADDED];
    expect(shape(prepared.fields)).toEqual(expected);
    expect(await schemaOf('widened_current')).toEqual(expected);
    expect(changes.slice(1)).toEqual([
      ['casino_a_cdc.widened_current', 'column-widened', ['amount INT64 → FLOAT64']],
    ]);
  });

  it('refuses for good a key column the changelog changed, naming rebuild-current', async () => {
    // Prepare: FLOAT64 is a widening of INT64, but no primary key column may be FLOAT64 or altered.
    const route = routeTo('rekeyed');
    await createChangelog('rekeyed', [{ name: 'id', type: 'INTEGER', mode: 'NULLABLE' }]);
    const { schemas, changes } = container();
    await schemas.prepare(route, fileColumns('id'), ample(), retry);
    await fixture.bigquery.query(
      `ALTER TABLE \`${fixture.bigquery.projectId}.${DATASET}.rekeyed\` ALTER COLUMN id SET DATA TYPE FLOAT64`,
    );
    schemas.forget(route);

    // Act
    const error = await refusal(schemas.prepare(route, fileColumns('id'), ample(), retry));

    // Assess
    expect(error).toBeInstanceOf(CurrentTableStreamError);
    expect(error).toMatchObject({
      message:
        'casino_a_cdc.rekeyed_current: column id is INT64 but the changelog has FLOAT64, which ALTER COLUMN cannot apply to a primary key column; run dms2bq warehouse rebuild-current --table casino_a_cdc.rekeyed to recreate it from the changelog',
      table: 'casino_a_cdc.rekeyed_current',
      code: 'FAILED_PRECONDITION',
      permanent: true,
    });
    expect(await schemaOf('rekeyed_current')).toEqual([['id', 'INTEGER', 'NULLABLE'], ...ADDED]);
    expect(changes).toHaveLength(1);
  });

  it('refuses for good a change that is not a widening (a changelog replaced by hand)', async () => {
    // Prepare
    const route = routeTo('replaced');
    await createChangelog('replaced', [
      { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE' },
    ]);
    const { schemas } = container();
    await schemas.prepare(route, fileColumns('id', 'amount'), ample(), retry);
    await fixture.bigquery.dataset(DATASET).table('replaced').delete();
    await createChangelog('replaced', [
      { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
      { name: 'amount', type: 'STRING', mode: 'NULLABLE' },
    ]);
    schemas.forget(route);

    // Act
    const error = await refusal(schemas.prepare(route, fileColumns('id', 'amount'), ample(), retry));

    // Assess
    expect(error).toBeInstanceOf(CurrentTableStreamError);
    expect(error).toMatchObject({
      message:
        'casino_a_cdc.replaced_current: column amount is NUMERIC but the changelog has STRING, which ALTER COLUMN cannot apply to the CDC table; run dms2bq warehouse rebuild-current --table casino_a_cdc.replaced to recreate it from the changelog',
      code: 'FAILED_PRECONDITION',
      permanent: true,
    });
    expect(await schemaOf('replaced_current')).toEqual([
      ['id', 'INTEGER', 'NULLABLE'],
      ['amount', 'NUMERIC', 'NULLABLE'],
      ...ADDED,
    ]);
  });

  it('refuses for good to create a CDC table BigQuery would refuse, and creates nothing', async () => {
    // Prepare
    const route = routeTo('floatkey');
    await createChangelog('floatkey', [{ name: 'id', type: 'FLOAT', mode: 'NULLABLE' }]);
    const { schemas, changes } = container();

    // Act
    const error = await refusal(schemas.prepare(route, fileColumns('id'), ample(), retry));

    // Assess
    expect(error).toBeInstanceOf(CurrentTableStreamError);
    expect(error).toMatchObject({
      message: expect.stringContaining(
        'primary key column id is FLOAT64, which a BigQuery primary key cannot be',
      ),
      table: 'casino_a_cdc.floatkey_current',
      code: 'INVALID_ARGUMENT',
      permanent: true,
    });
    const [exists] = await fixture.bigquery.dataset(DATASET).table('floatkey_current').exists();
    expect(exists).toBe(false);
    expect(changes).toEqual([]);
  });

  it('leaves a view still in place of the CDC table to warehouse apply', async () => {
    // Prepare
    const route = routeTo('viewed');
    await createChangelog('viewed', [{ name: 'id', type: 'INTEGER', mode: 'NULLABLE' }]);
    await fixture.bigquery.dataset(DATASET).createTable('viewed_current', {
      view: {
        query: `SELECT id FROM \`${fixture.bigquery.projectId}.${DATASET}.viewed\``,
        useLegacySql: false,
      },
    });
    const { schemas, changes } = container();

    // Act
    const error = await refusal(schemas.prepare(route, fileColumns('id'), ample(), retry));

    // Assess
    expect(error).toBeInstanceOf(CurrentIsViewError);
    expect(error).toMatchObject({ table: 'casino_a_cdc.viewed_current', permanent: false });
    expect(changes).toEqual([]);
  });

  it('goes on with the table another container created between its look and its create', async () => {
    // Prepare: the table exists, but this container's look ran before the other's create, so it
    // saw "not found" (one 404), and its own create meets the other's table (409 duplicate).
    const route = routeTo('raced');
    await createChangelog('raced', [{ name: 'id', type: 'INTEGER', mode: 'NULLABLE' }]);
    const first = await container().schemas.prepare(route, fileColumns('id'), ample(), retry);
    const { schemas, changes } = container();
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: /\/tables\/raced_current$/,
      status: 404,
      reason: 'notFound',
      message: 'Not found: Table local-project:casino_a_cdc.raced_current',
    });

    // Act
    const prepared = await schemas.prepare(route, fileColumns('id'), ample(), retry);

    // Assess: the other container's table, read back; nothing created or changed by this one.
    expect(shape(prepared.fields)).toEqual(shape(first.fields));
    expect(prepared.fromCache).toBe(false);
    expect(changes).toEqual([]);
  });

  it('passes on an error reading the CDC table other than not found, instead of taking it for missing', async () => {
    // Prepare
    const route = routeTo('unreadable');
    await createChangelog('unreadable', [{ name: 'id', type: 'INTEGER', mode: 'NULLABLE' }]);
    await container().schemas.prepare(route, fileColumns('id'), ample(), retry);
    const { schemas, changes } = container();
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: /\/tables\/unreadable_current$/,
      status: 403,
      reason: 'accessDenied',
      message: 'Access Denied: Table local-project:casino_a_cdc.unreadable_current',
    });

    // Act
    const error = await refusal(schemas.prepare(route, fileColumns('id'), ample(), retry));

    // Assess
    expect(error).toMatchObject({
      code: 403,
      message: 'Access Denied: Table local-project:casino_a_cdc.unreadable_current',
    });
    expect(fixture.emulator.faults.injected).toBe(1);
    expect(changes).toEqual([]);
  });

  it('is out of time before reading anything once the budget is spent, naming the table', async () => {
    // Prepare
    const route = routeTo('late');
    const { schemas } = container();

    // Act
    const error = await refusal(schemas.prepare(route, fileColumns('id'), new Deadline(0, () => 0), retry));

    // Assess
    expect(error).toBeInstanceOf(TimeBudgetError);
    expect(error).toMatchObject({
      message: 'out of time before prepare casino_a_cdc.late_current; the record will be retried',
    });
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CurrentTableFixture,
  changeRow,
  lines,
  shop,
  startCurrentTableFixture,
} from './warehouse-current-fixture.js';

describe('dms2bq warehouse apply, switching "current" and rebuilding', () => {
  let fixture: CurrentTableFixture;
  beforeEach(async () => {
    fixture = await startCurrentTableFixture();
    return () => fixture.stop();
  });

  it('replaces the view with a CDC table and prints the command that fills it from the changelog', async () => {
    // Prepare
    await fixture.apply(shop({ current: 'view', maxStaleness: undefined }));
    await fixture.loadChangelog(`SELECT ${changeRow}`);

    // Act
    const result = await fixture.apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual([
      'replaced shop_cdc.orders_current with a CDC table ("current": "table"): it was a view',
      'backfill needed: shop_cdc.orders_current starts empty, but shop_cdc.orders holds 1 change from before; fill it with: dms2bq warehouse rebuild-current --table shop_cdc.orders (or apply --backfill)',
    ]);
    expect(await fixture.metadataOf('orders_current')).toMatchObject({
      type: 'TABLE',
      tableConstraints: { primaryKey: { columns: ['id'] } },
    });
    // The switch went through tables.delete/insert: the only job is the changelog load above.
    const [jobs] = await fixture.bigquery.getJobs();
    expect(
      jobs.map((job) => Object.keys(job.metadata?.configuration ?? {}).filter((k) => k !== 'jobType')),
    ).toEqual([['load']]);
  });

  it('keeps asking for the backfill on later applies until the table is filled', async () => {
    // Prepare
    await fixture.apply(shop({ current: 'view', maxStaleness: undefined }));
    await fixture.loadChangelog(`SELECT ${changeRow}`);
    await fixture.apply(shop());

    // Act
    const again = await fixture.apply(shop());

    // Assess
    expect(lines(again.stdout)).toEqual([
      'unchanged CDC table shop_cdc.orders_current',
      expect.stringMatching(/^backfill needed: shop_cdc\.orders_current starts empty/),
    ]);
  });

  it('fills the new CDC table from the changelog with --backfill, after which nothing is pending', async () => {
    // Prepare
    await fixture.apply(shop({ current: 'view', maxStaleness: undefined }));
    await fixture.loadChangelog(`SELECT ${changeRow}`);

    // Act
    const result = await fixture.apply(shop(), [
      '--backfill',
      '--storage-write-endpoint',
      fixture.storageWriteEndpoint,
    ]);
    const later = await fixture.apply(shop());

    // Assess
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toEqual([
      'replaced shop_cdc.orders_current with a CDC table ("current": "table"): it was a view',
      'backfilling shop_cdc.orders_current: shop_cdc.orders holds 1 change from before',
      'backfilled shop_cdc.orders_current from shop_cdc.orders: 1 rows, 0 tombstones',
    ]);
    expect(await fixture.emulator.query('SELECT id, status FROM shop_cdc.orders_current')).toEqual([
      { id: '1', status: 'new' },
    ]);
    expect(lines(later.stdout)).toEqual(['unchanged CDC table shop_cdc.orders_current']);
  });

  it('rebuilds, with --backfill, a CDC table whose sequence numbers follow the change order before ADR 0040', async () => {
    // Prepare: a table made by an earlier release (no dms2bq_order label) over a changelog with rows.
    await fixture.apply(shop());
    await fixture.loadChangelog(`SELECT ${changeRow}`);
    await fixture.apply(shop(), ['--backfill', '--storage-write-endpoint', fixture.storageWriteEndpoint]);
    // BigQuery removes a label that a patch sets to null.
    const table = fixture.bigquery.dataset('shop_cdc').table('orders_current');
    await table.setMetadata({ labels: { dms2bq_order: null } as unknown as Record<string, string> });

    // Act
    const plain = await fixture.apply(shop());
    const backfilled = await fixture.apply(shop(), [
      '--backfill',
      '--storage-write-endpoint',
      fixture.storageWriteEndpoint,
    ]);
    const later = await fixture.apply(shop());

    // Assess
    expect(lines(plain.stdout)).toEqual([
      expect.stringMatching(
        /^updated CDC table shop_cdc\.orders_current: .*change order 1, this release's is 2/,
      ),
      expect.stringMatching(/^backfill needed: shop_cdc\.orders_current/),
    ]);
    expect(backfilled.stdout).toContain('backfilled shop_cdc.orders_current from shop_cdc.orders: 1 rows');
    expect(await fixture.metadataOf('orders_current')).toMatchObject({ labels: { dms2bq_order: '2' } });
    expect(lines(later.stdout)).toEqual(['unchanged CDC table shop_cdc.orders_current']);
  });

  it('refuses --backfill against an emulator without its Storage Write API endpoint, as a usage error', async () => {
    // Act
    const result = await fixture.apply(shop(), ['--backfill']);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "warehouse apply: --backfill with --endpoint needs --storage-write-endpoint <host:port>, the emulator's Storage Write API\n",
    );
  });

  it('replaces an empty changelog’s view without asking for a backfill', async () => {
    // Prepare
    await fixture.apply(shop({ current: 'view', maxStaleness: undefined }));

    // Act
    const result = await fixture.apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual([
      'replaced shop_cdc.orders_current with a CDC table ("current": "table"): it was a view',
    ]);
  });

  it('replaces the CDC table with the view when the table goes back to "view"', async () => {
    // Prepare
    await fixture.apply(shop());

    // Act
    const result = await fixture.apply(shop({ maxStaleness: undefined }, { current: 'view' }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      'replaced the CDC table shop_cdc.orders_current with a view ("current": "view")',
    ]);
    expect((await fixture.metadataOf('orders_current')).type).toBe('VIEW');
  });

  it('recreates the CDC table when the mapping changes its primary key, and asks for a backfill', async () => {
    // Prepare
    await fixture.apply(shop());
    await fixture.loadChangelog(`SELECT ${changeRow}`);

    // Act
    const result = await fixture.apply(shop({}, { primaryKey: ['id', 'status'] }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      `replaced shop_cdc.orders_current with a CDC table ("current": "table"): its primary key was (id), the mapping's is (id, status)`,
      expect.stringMatching(/^backfill needed: shop_cdc\.orders_current starts empty/),
    ]);
    expect((await fixture.metadataOf('orders_current')).tableConstraints).toEqual({
      primaryKey: { columns: ['id', 'status'] },
    });
  });

  it('rebuilds the CDC table when a changelog column was widened, and asks for a backfill', async () => {
    // Prepare
    const columns = [
      { name: 'id', type: 'bigint' },
      { name: 'qty', type: 'int' },
    ];
    await fixture.apply(shop({}, { columns }));
    await fixture.loadChangelog(
      `SELECT 'I' AS Op, '2026-11-30 10:00:00.000000' AS _dms_timestamp, 1::BIGINT AS id, 2::BIGINT AS qty, '' AS _dms_change_seq`,
    );
    // What the loader does when a file brings a wider type (ADR 0017).
    await fixture.bigquery.query('ALTER TABLE `shop_cdc.orders` ALTER COLUMN qty SET DATA TYPE NUMERIC');

    // Act
    const result = await fixture.apply(shop({}, { columns }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      `replaced shop_cdc.orders_current with a CDC table ("current": "table"): its column qty is INT64, the changelog's is NUMERIC`,
      expect.stringMatching(
        /^backfill needed: shop_cdc\.orders_current starts empty, but shop_cdc\.orders holds 1 change/,
      ),
    ]);
    const fields = (await fixture.metadataOf('orders_current')).schema?.fields;
    expect(fields?.find((field) => field.name === 'qty')?.type).toBe('NUMERIC');
  });

  it('refuses a plain table in the way, naming it and the fix, and leaves it alone', async () => {
    // Prepare
    await fixture.apply(shop({ current: 'view', maxStaleness: undefined }));
    await fixture.bigquery.dataset('shop_cdc').table('orders_current').delete();
    await fixture.bigquery
      .dataset('shop_cdc')
      .createTable('orders_current', { schema: { fields: [{ name: 'x', type: 'STRING' }] } });

    // Act
    const result = await fixture.apply(shop());

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'warehouse apply: shop_cdc.orders_current exists as a TABLE without a primary key, not the CDC table "current": "table" needs; rename or drop it, or set another "target" for sales.orders\n',
    );
    expect((await fixture.metadataOf('orders_current')).schema?.fields).toEqual([
      { name: 'x', type: 'STRING', mode: 'NULLABLE' },
    ]);
  });
});

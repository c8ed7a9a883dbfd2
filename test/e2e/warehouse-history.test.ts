import { beforeEach, describe, expect, it } from 'vitest';
import {
  type CurrentTableFixture,
  changeRow,
  shop,
  startCurrentTableFixture,
} from './warehouse-current-fixture.js';

const output = (stdout: string) => stdout.split('\n').filter(Boolean);
const historyLines = (stdout: string) => output(stdout).filter((line) => line.includes(' history view '));

describe('dms2bq warehouse apply: <table>_history', () => {
  let fixture: CurrentTableFixture;
  beforeEach(async () => {
    fixture = await startCurrentTableFixture();
    return () => fixture.stop();
  });
  const exists = async (table: string) =>
    (await fixture.bigquery.dataset('shop_cdc').table(table).exists())[0];

  it('creates a labelled GoogleSQL view for a CDC-table route too, and keeps it on the next apply', async () => {
    // Act
    const first = await fixture.apply(shop());
    const second = await fixture.apply(shop());

    // Assess
    expect(historyLines(first.stdout)).toEqual(['created history view shop_cdc.orders_history']);
    expect(historyLines(second.stdout)).toEqual(['unchanged history view shop_cdc.orders_history']);
    expect(await fixture.metadataOf('orders_history')).toMatchObject({
      type: 'VIEW',
      view: { useLegacySql: false },
      labels: { dms2bq_view: 'history' },
    });
    const [jobs] = await fixture.bigquery.getJobs();
    expect(jobs).toEqual([]);
  });

  it('answers with the changelog’s versions once loaded', async () => {
    // Prepare
    await fixture.apply(shop({ current: 'view', maxStaleness: undefined }));
    await fixture.loadChangelog(
      `SELECT ${changeRow} UNION ALL SELECT 'U', '2026-11-30 11:00:00.000000', 1::BIGINT, 'paid', '20261130110000000000000000000000001'`,
    );

    // Act
    const [rows] = await fixture.bigquery.query(
      'SELECT status, _valid_to IS NULL AS open, _is_deleted FROM `shop_cdc.orders_history` ORDER BY _valid_from',
    );

    // Assess
    expect(rows).toEqual([
      { status: 'new', open: false, _is_deleted: false },
      { status: 'paid', open: true, _is_deleted: false },
    ]);
  });

  it('brings an outdated query up to date and keeps the label', async () => {
    // Prepare
    await fixture.apply(shop());
    await fixture.bigquery
      .dataset('shop_cdc')
      .table('orders_history')
      .setMetadata({
        view: { query: 'SELECT id FROM `local-project.shop_cdc.orders`', useLegacySql: false },
      });

    // Act
    const result = await fixture.apply(shop());

    // Assess
    expect(historyLines(result.stdout)).toEqual(['updated history view shop_cdc.orders_history']);
    const metadata = await fixture.metadataOf('orders_history');
    expect(metadata.view?.query).toContain('LEAD(_dms_timestamp)');
    expect(metadata.labels).toEqual({ dms2bq_view: 'history' });
  });

  it('deletes the view it created when the mapping says "history": false, and creates none after', async () => {
    // Prepare
    await fixture.apply(shop());

    // Act
    const off = await fixture.apply(shop({}, { history: false }));
    const again = await fixture.apply(shop({}, { history: false }));

    // Assess
    expect(historyLines(off.stdout)).toEqual([
      'deleted history view shop_cdc.orders_history ("history": false)',
    ]);
    expect(historyLines(again.stdout)).toEqual([]);
    expect(await exists('orders_history')).toBe(false);
    expect(await exists('orders_current')).toBe(true);
  });

  it('never deletes a view someone else created under the name', async () => {
    // Prepare
    await fixture.apply(shop({}, { history: false }));
    await fixture.bigquery.dataset('shop_cdc').createTable('orders_history', {
      view: { query: 'SELECT id FROM `local-project.shop_cdc.orders`', useLegacySql: false },
    });

    // Act
    const off = await fixture.apply(shop({}, { history: false }));
    const on = await fixture.apply(shop());

    // Assess
    expect(historyLines(off.stdout)).toEqual([]);
    expect(await exists('orders_history')).toBe(true);
    expect(on.code).toBe(1);
    expect(on.stderr).toContain(
      'shop_cdc.orders_history exists as a VIEW that dms2bq did not create (no dms2bq_view=history label), so it cannot be the history view; rename or drop it, or set "history": false on sales.orders',
    );
    expect((await fixture.metadataOf('orders_history')).view?.query).toBe(
      'SELECT id FROM `local-project.shop_cdc.orders`',
    );
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { applyWarehouse, currentTablesInPlace, viewsInPlace } from '../../lambdas/shared/warehouse/apply.js';
import {
  type CurrentTableFixture,
  changeRow,
  lines,
  shop,
  startCurrentTableFixture,
} from './warehouse-current-fixture.js';

describe('dms2bq warehouse apply, "current": "table"', () => {
  let fixture: CurrentTableFixture;
  beforeEach(async () => {
    fixture = await startCurrentTableFixture();
    return () => fixture.stop();
  });

  it('creates the CDC table from the declared columns, keyed, clustered and stale as mapped, without a query job', async () => {
    // Act
    const result = await fixture.apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual([
      'created dataset shop_cdc',
      'created table shop_cdc.orders',
      'created CDC table shop_cdc.orders_current',
    ]);
    expect(await fixture.metadataOf('orders_current')).toMatchObject({
      type: 'TABLE',
      schema: {
        fields: [
          { name: 'id', type: 'INTEGER', mode: 'NULLABLE' },
          { name: 'status', type: 'STRING', mode: 'NULLABLE' },
          { name: '_source_changed_at', type: 'TIMESTAMP', mode: 'NULLABLE' },
          { name: '_dms_change_seq', type: 'STRING', mode: 'NULLABLE' },
        ],
      },
      tableConstraints: { primaryKey: { columns: ['id'] } },
      clustering: { fields: ['id'] },
      maxStaleness: '0-0 0 0:15:0',
    });
    const [jobs] = await fixture.bigquery.getJobs();
    expect(jobs.filter((job) => job.metadata?.configuration?.query)).toEqual([]);
  });

  it('leaves out max_staleness when the mapping sets none', async () => {
    // Act
    await fixture.apply(shop({ maxStaleness: undefined }));

    // Assess
    expect((await fixture.metadataOf('orders_current')).maxStaleness).toBeUndefined();
  });

  it('is idempotent', async () => {
    // Prepare
    await fixture.apply(shop());

    // Act
    const second = await fixture.apply(shop());

    // Assess
    expect(lines(second.stdout)).toEqual(['unchanged CDC table shop_cdc.orders_current']);
  });

  it('appends the columns the changelog gained, after the existing ones', async () => {
    // Prepare
    await fixture.apply(shop());
    await fixture.loadChangelog(`SELECT ${changeRow}, 'late' AS note`);

    // Act
    const result = await fixture.apply(shop());

    // Assess
    expect(lines(result.stdout)).toEqual(['updated CDC table shop_cdc.orders_current: added column note']);
    const fields = (await fixture.metadataOf('orders_current')).schema?.fields?.map((field) => field.name);
    expect(fields).toEqual(['id', 'status', '_source_changed_at', '_dms_change_seq', 'note']);
  });

  it('updates max_staleness when the mapping changes it', async () => {
    // Prepare
    await fixture.apply(shop());

    // Act
    const result = await fixture.apply(shop({ maxStaleness: '1h' }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      'updated CDC table shop_cdc.orders_current: max_staleness 0-0 0 0:15:0 → 1h',
    ]);
    expect((await fixture.metadataOf('orders_current')).maxStaleness).toBe('0-0 0 1:0:0');
  });

  it('clears max_staleness when the mapping drops it', async () => {
    // Prepare
    await fixture.apply(shop());

    // Act
    const result = await fixture.apply(shop({ maxStaleness: undefined }));

    // Assess
    expect(lines(result.stdout)).toEqual([
      'updated CDC table shop_cdc.orders_current: max_staleness 0-0 0 0:15:0 → none',
    ]);
    expect((await fixture.metadataOf('orders_current')).maxStaleness).toBeUndefined();
  });

  it('tells callers waiting for _current objects that the CDC table is in place, not a view', async () => {
    // Prepare
    await applyWarehouse(fixture.bigquery, [shop()], 'US');

    // Act
    const second = await applyWarehouse(fixture.bigquery, [shop()], 'US');

    // Assess
    expect({ tables: currentTablesInPlace(second), views: viewsInPlace(second) }).toEqual({
      tables: ['shop_cdc.orders_current'],
      views: [],
    });
  });
});

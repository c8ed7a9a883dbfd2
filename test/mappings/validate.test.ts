import { describe, expect, it } from 'vitest';
import { validateDocuments } from '../../lambdas/shared/mappings/validate.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const validate = (...documents: { file: string; document: unknown }[]) =>
  validateDocuments(documents).problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);

const file = (document: unknown, name = 'mappings/shop.json') => ({ file: name, document });

describe('validateDocuments', () => {
  it('accepts a valid mapping', () => {
    // Prepare
    const document = sourceMappingFactory();

    // Act
    const problems = validate(file(document));

    // Assess
    expect(problems).toEqual([]);
  });

  describe.each([
    {
      name: 'an unknown field',
      document: { ...sourceMappingFactory(), dataset: 'x' },
      expected:
        'mappings/shop.json: /: unknown field "dataset"; remove it or check its spelling against mappings/schema.json',
    },
    {
      name: 'a wrong type',
      document: sourceMappingFactory({
        tables: [tableMappingFactory({ primaryKey: 'id' as unknown as string[] })],
      }),
      expected: 'mappings/shop.json: /tables/0/primaryKey: must be array',
    },
    {
      name: 'a missing field',
      document: { source: 'shop', engine: 'mysql', tables: [tableMappingFactory()] },
      expected: 'mappings/shop.json: /: missing required field "bigquery"',
    },
    {
      name: 'an unknown engine',
      document: sourceMappingFactory({ engine: 'postgres' as 'mysql' }),
      expected: 'mappings/shop.json: /engine: must be one of "mysql", "aurora-mysql"',
    },
    {
      name: 'a history flag that is not a boolean',
      document: sourceMappingFactory({
        tables: [tableMappingFactory({ history: 'no' as unknown as boolean })],
      }),
      expected: 'mappings/shop.json: /tables/0/history: must be boolean',
    },
    {
      name: 'a source id with capitals',
      document: sourceMappingFactory({ source: 'Shop' }),
      expected: 'mappings/shop.json: /source: must match pattern "^[a-z][a-z0-9_]{0,31}$"',
    },
  ])('rejects $name by schema', ({ document, expected }) => {
    it('names the field', () => {
      // Act
      const problems = validate(file(document));

      // Assess
      expect(problems[0]).toContain(expected);
    });
  });

  describe.each([
    {
      name: 'a table listed twice',
      document: sourceMappingFactory({ tables: [tableMappingFactory(), tableMappingFactory()] }),
      expected: '/tables/1: table sales.orders is already listed at /tables/0; keep one entry',
    },
    {
      name: 'an empty primary key',
      document: sourceMappingFactory({ tables: [tableMappingFactory({ primaryKey: [] })] }),
      expected: '/tables/0/primaryKey: primary key is empty',
    },
    {
      name: 'an excluded primary key column',
      document: sourceMappingFactory({ tables: [tableMappingFactory({ excludeColumns: ['id'] })] }),
      expected: '/tables/0/primaryKey/0: column "id" is in excludeColumns but is part of the primary key',
    },
    {
      name: 'a table name BigQuery rejects',
      document: sourceMappingFactory({ tables: [tableMappingFactory({ table: 'order$items' })] }),
      expected:
        '/tables/0/table: BigQuery rejects table name "order$items": it may contain only letters, digits, underscores, dashes and spaces; set "target": "order_items"',
    },
    {
      name: 'the name of the reconciliation’s running-totals table',
      document: sourceMappingFactory({
        tables: [tableMappingFactory({ target: 'dms2bq_reconcile_totals' })],
      }),
      expected:
        '/tables/0/target: table name "dms2bq_reconcile_totals" is taken by the reconciliation\'s running totals in every dataset (ADR 0035); set "target" to another name',
    },
    {
      name: 'the name of the reconciliation’s record of completed reloads',
      document: sourceMappingFactory({ tables: [tableMappingFactory({ target: 'dms2bq_reloads' })] }),
      expected:
        '/tables/0/target: table name "dms2bq_reloads" is taken by the reconciliation\'s record of completed reloads in every dataset (ADR 0047); set "target" to another name',
    },
    {
      name: 'a target name BigQuery rejects',
      document: sourceMappingFactory({ tables: [tableMappingFactory({ target: 'orders.v2' })] }),
      expected: '/tables/0/target: BigQuery rejects table name "orders.v2"',
    },
    {
      name: 'a dataset name BigQuery rejects',
      document: sourceMappingFactory({ bigquery: { dataset: 'shop-cdc' } }),
      expected:
        '/bigquery/dataset: BigQuery rejects dataset "shop-cdc": it may contain only letters, digits and underscores; use "shop_cdc"',
    },
    {
      name: 'two tables with the same target',
      document: sourceMappingFactory({
        tables: [tableMappingFactory(), tableMappingFactory({ schema: 'archive', target: 'orders' })],
      }),
      expected:
        '/tables/1/target: BigQuery object shop_cdc.orders is also produced by mappings/shop.json /tables/0',
    },
    {
      name: 'a target that collides with another table’s view',
      document: sourceMappingFactory({
        tables: [tableMappingFactory(), tableMappingFactory({ table: 'orders_current' })],
      }),
      expected: 'BigQuery object shop_cdc.orders_current is also produced by mappings/shop.json /tables/0',
    },
    {
      name: 'a target that collides with another table’s history view',
      document: sourceMappingFactory({
        tables: [tableMappingFactory(), tableMappingFactory({ table: 'orders_history' })],
      }),
      expected: 'BigQuery object shop_cdc.orders_history is also produced by mappings/shop.json /tables/0',
    },
    {
      name: 'a declared column named like one the history view adds',
      document: sourceMappingFactory({
        tables: [
          tableMappingFactory({
            columns: [
              { name: 'id', type: 'bigint' },
              { name: '_valid_to', type: 'datetime' },
            ],
          }),
        ],
      }),
      expected:
        '/tables/0/columns/1/name: column "_valid_to" has the name of a column orders_history adds, so BigQuery would refuse the view; add it to "excludeColumns", or set "history": false on this table',
    },
    {
      name: 'a table named like the history view of a table whose history is off',
      document: sourceMappingFactory({
        tables: [tableMappingFactory({ history: false }), tableMappingFactory({ table: 'orders_history' })],
      }),
      expected: undefined,
    },
    {
      name: 'a CDC interval that breaks the load-job quota',
      document: sourceMappingFactory({ dms: { cdcMaxBatchIntervalSeconds: 60 } }),
      expected:
        "/dms/cdcMaxBatchIntervalSeconds: 60 s risks BigQuery's load-job quota: 86,400 s / 60 s = 1,440 CDC files per table per day + 288 retries (20 %) + 50 full-load files = 1,778 load jobs; the guard is 1,350 (90 % of BigQuery's 1,500 load jobs per table per day); use at least 80 s",
    },
    {
      name: 'the default CDC interval being assumed when none is set',
      document: { ...sourceMappingFactory(), dms: undefined },
      expected: undefined,
    },
    {
      name: 'a source id that does not match the file name',
      document: sourceMappingFactory({ source: 'shop_eu' }),
      expected: '/source: source "shop_eu" must match the file name; rename the file to shop_eu.json',
    },
    {
      name: 'a primary key column missing from the listed columns',
      document: sourceMappingFactory({
        tables: [tableMappingFactory({ columns: [{ name: 'order_id', type: 'bigint' }] })],
      }),
      expected: '/tables/0/primaryKey/0: column "id" is not listed in "columns"',
    },
    {
      name: 'a column type DMS does not write to Parquet as the project knows it',
      document: sourceMappingFactory({
        tables: [
          tableMappingFactory({
            columns: [
              { name: 'id', type: 'bigint' },
              { name: 'area', type: 'polygon' },
            ],
          }),
        ],
      }),
      expected: '/tables/0/columns/1/type: column "area": "polygon" is not a MySQL type',
    },
  ])('checks $name', ({ document, expected }) => {
    it(expected ? 'reports it with the field and the fix' : 'accepts it', () => {
      // Act
      const problems = validate(file(JSON.parse(JSON.stringify(document))));

      // Assess
      if (expected) expect(problems).toContainEqual(expect.stringContaining(expected));
      else expect(problems).toEqual([]);
    });
  });

  it('rejects a generated DMS table mapping over 2 MB', () => {
    // Prepare
    const tables = Array.from({ length: 12_000 }, (_, i) =>
      tableMappingFactory({ table: `orders_${i}`, excludeColumns: ['customer_email_address'] }),
    );

    // Act
    const problems = validate(file(sourceMappingFactory({ tables })));

    // Assess
    expect(problems).toContainEqual(
      expect.stringMatching(
        /\/tables: the generated DMS table mapping is [\d,]+ bytes, over DMS's limit of 2 MB/,
      ),
    );
  });

  it('rejects a source id used by two files', () => {
    // Prepare
    const first = file(sourceMappingFactory(), 'a/shop.json');
    const second = file(sourceMappingFactory({ bigquery: { dataset: 'other' } }), 'b/shop.json');

    // Act
    const problems = validate(first, second);

    // Assess
    expect(problems).toContain('b/shop.json: /source: source "shop" is also used by a/shop.json');
  });

  it('rejects two sources writing the same table of one dataset', () => {
    // Prepare
    const first = file(sourceMappingFactory(), 'm/shop.json');
    const second = file(sourceMappingFactory({ source: 'shop_eu' }), 'm/shop_eu.json');

    // Act
    const problems = validate(first, second);

    // Assess
    expect(problems).toContainEqual(
      expect.stringContaining(
        'm/shop_eu.json: /tables/0/table: BigQuery object shop_cdc.orders is also produced by m/shop.json',
      ),
    );
  });
});

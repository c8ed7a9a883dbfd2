import { describe, expect, it } from 'vitest';
import type { ColumnMapping } from '../../lambdas/shared/mappings/model.js';
import { validateDocuments } from '../../lambdas/shared/mappings/validate.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const validate = (document: unknown) =>
  validateDocuments([
    { file: 'mappings/shop.json', document: JSON.parse(JSON.stringify(document)) },
  ]).problems.map((p) => `${p.file}: ${p.path}: ${p.message}`);

const keyColumns = (n: number): string[] => Array.from({ length: n }, (_, i) => `k${i}`);
const bigints = (names: string[]): ColumnMapping[] => names.map((name) => ({ name, type: 'bigint' }));

describe('validate: "current": "table"', () => {
  it('accepts a source in table mode with a staleness and a table kept as a view', () => {
    // Prepare
    const document = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: '15m' },
      tables: [
        tableMappingFactory({ columns: [{ name: 'id', type: 'bigint' }] }),
        tableMappingFactory({ table: 'audit', primaryKey: ['id', 'at'], current: 'view' }),
      ],
    });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual([]);
  });

  it('accepts a 16-column primary key', () => {
    // Prepare
    const table = tableMappingFactory({ primaryKey: keyColumns(16), current: 'table' });

    // Act
    const problems = validate(sourceMappingFactory({ tables: [table] }));

    // Assess
    expect(problems).toEqual([]);
  });

  it('refuses a 17-column primary key in table mode, naming the field and the fix', () => {
    // Prepare
    const table = tableMappingFactory({ primaryKey: keyColumns(17), current: 'table' });

    // Act
    const problems = validate(sourceMappingFactory({ tables: [table] }));

    // Assess
    expect(problems).toEqual([
      'mappings/shop.json: /tables/0/primaryKey: sales.orders has a 17-column primary key, but a BigQuery CDC table ("current": "table") allows at most 16; key it by at most 16 columns that identify a row, or set "current": "view" on this table',
    ]);
  });

  it('takes the mode from the source when the table does not override it', () => {
    // Prepare
    const document = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table' },
      tables: [tableMappingFactory({ primaryKey: keyColumns(17) })],
    });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual([expect.stringContaining('/tables/0/primaryKey: sales.orders has a 17-column')]);
  });

  it('lets a table kept as a view have a key of any length', () => {
    // Prepare
    const document = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table' },
      tables: [tableMappingFactory({ primaryKey: keyColumns(17), current: 'view' })],
    });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual([]);
  });

  it.each([
    ['double', 'FLOAT64'],
    ['float', 'FLOAT64'],
    ['varbinary(16)', 'BYTES'],
    ['binary(16)', 'BYTES'],
    ['bit(8)', 'BYTES'],
  ])('refuses a key column of MySQL type %s, which lands as %s', (mysql, bigquery) => {
    // Prepare
    const table = tableMappingFactory({
      primaryKey: ['region', 'id'],
      current: 'table',
      columns: [
        { name: 'region', type: 'char(2)' },
        { name: 'id', type: mysql },
      ],
    });

    // Act
    const problems = validate(sourceMappingFactory({ tables: [table] }));

    // Assess
    expect(problems).toEqual([
      `mappings/shop.json: /tables/0/primaryKey/1: key column "id" (${mysql}) lands in BigQuery as ${bigquery}, which a primary key cannot be (only BIGNUMERIC, BOOL, DATE, DATETIME, INT64, NUMERIC, STRING, TIMESTAMP), so its CDC table ("current": "table") cannot be created; set "current": "view" on this table`,
    ]);
  });

  it.each(['bigint unsigned', 'varchar(36)', 'datetime', 'date', 'decimal(20,0)', 'bit(1)', 'char(2)'])(
    'accepts a key column of MySQL type %s',
    (mysql) => {
      // Prepare
      const table = tableMappingFactory({ current: 'table', columns: [{ name: 'id', type: mysql }] });

      // Act
      const problems = validate(sourceMappingFactory({ tables: [table] }));

      // Assess
      expect(problems).toEqual([]);
    },
  );

  it('refuses more than 2,000 columns with the two it adds, counting excluded columns out', () => {
    // Prepare
    const names = Array.from({ length: 1_999 }, (_, i) => `c${i}`);
    const table = tableMappingFactory({ primaryKey: ['c0'], current: 'table', columns: bigints(names) });

    // Act
    const problems = validate(sourceMappingFactory({ tables: [table] }));

    // Assess
    expect(problems).toEqual([
      `mappings/shop.json: /tables/0/columns: sales.orders's CDC table would have 2,001 columns (2 added to the replicated ones), over BigQuery's 2,000 for CDC tables; add columns nobody queries to "excludeColumns", or set "current": "view" on this table`,
    ]);
  });

  it('accepts 1,998 replicated columns once an excluded one is left out', () => {
    // Prepare
    const names = Array.from({ length: 1_999 }, (_, i) => `c${i}`);
    const table = tableMappingFactory({
      primaryKey: ['c0'],
      current: 'table',
      columns: bigints(names),
      excludeColumns: ['c1'],
    });

    // Act
    const problems = validate(sourceMappingFactory({ tables: [table] }));

    // Assess
    expect(problems).toEqual([]);
  });

  it('refuses a maxStaleness on a source with no table in table mode', () => {
    // Prepare
    const document = sourceMappingFactory({ bigquery: { dataset: 'shop_cdc', maxStaleness: '15m' } });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual([
      'mappings/shop.json: /bigquery/maxStaleness: "15m" would do nothing: no table of shop has "current": "table", and max_staleness only applies to CDC tables; remove "maxStaleness", or set "current": "table"',
    ]);
  });

  it('accepts a maxStaleness when only one table is in table mode', () => {
    // Prepare
    const document = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', maxStaleness: '1h' },
      tables: [tableMappingFactory(), tableMappingFactory({ table: 'items', current: 'table' })],
    });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual([]);
  });

  it('refuses a zero maxStaleness, saying to omit it', () => {
    // Prepare
    const document = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: '0m' },
    });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual([
      'mappings/shop.json: /bigquery/maxStaleness: "0m" is no staleness at all; remove "maxStaleness" for CDC tables that every query sees fully up to date',
    ]);
  });

  it.each(['15 m', '15min', '1.5h', 'PT15M', ''])('refuses a malformed maxStaleness %j by schema', (text) => {
    // Prepare
    const document = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: text },
    });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^mappings\/shop\.json: \/bigquery\/maxStaleness: must match pattern .*; see the field's description/,
      ),
    ]);
  });

  it('refuses an unknown mode by schema', () => {
    // Prepare
    const document = sourceMappingFactory({ tables: [tableMappingFactory({ current: 'cdc' as 'table' })] });

    // Act
    const problems = validate(document);

    // Assess
    expect(problems).toEqual(['mappings/shop.json: /tables/0/current: must be one of "view", "table"']);
  });
});

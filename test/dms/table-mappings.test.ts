import { describe, expect, it } from 'vitest';
import { buildTableMappings, escapeLocator } from '../../lambdas/shared/dms/table-mappings.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

describe('escapeLocator', () => {
  it.each([
    ['user_log', 'user[_]log'],
    ['100%_sure', '100[%][_]sure'],
    ['orders', 'orders'],
  ])('escapes DMS wildcards in %s', (name, expected) => {
    // Act
    const escaped = escapeLocator(name);

    // Assess
    expect(escaped).toBe(expected);
  });
});

describe('buildTableMappings', () => {
  it('selects exactly the mapped tables with escaped names', () => {
    // Prepare
    const mapping = sourceMappingFactory({
      tables: [tableMappingFactory({ schema: 'app_db', table: 'user_log' })],
    });

    // Act
    const [selection] = buildTableMappings(mapping).rules;

    // Assess
    expect(selection).toEqual({
      'rule-type': 'selection',
      'rule-id': '1',
      'rule-name': 'include-app_db-user_log',
      'object-locator': { 'schema-name': 'app[_]db', 'table-name': 'user[_]log' },
      'rule-action': 'include',
      filters: [],
    });
  });

  it('removes excluded columns with one rule each', () => {
    // Prepare
    const mapping = sourceMappingFactory({
      tables: [tableMappingFactory({ excludeColumns: ['email', 'phone_no'] })],
    });

    // Act
    const removals = buildTableMappings(mapping).rules.filter(
      (rule) => rule['rule-action'] === 'remove-column',
    );

    // Assess
    expect(removals.map((rule) => rule['object-locator'])).toEqual([
      { 'schema-name': 'sales', 'table-name': 'orders', 'column-name': 'email' },
      { 'schema-name': 'sales', 'table-name': 'orders', 'column-name': 'phone[_]no' },
    ]);
  });

  it('adds the change sequence column from $AR_H_CHANGE_SEQ', () => {
    // Act
    const rule = buildTableMappings(sourceMappingFactory()).rules.at(-1);

    // Assess
    expect(rule).toMatchObject({
      'rule-action': 'add-column',
      'rule-target': 'column',
      value: '_dms_change_seq',
      expression: '$AR_H_CHANGE_SEQ',
      'data-type': { type: 'string', length: 50 },
    });
  });

  it('numbers rules uniquely and deterministically', () => {
    // Prepare
    const mapping = sourceMappingFactory({
      tables: [tableMappingFactory({ excludeColumns: ['a'] }), tableMappingFactory({ table: 'items' })],
    });

    // Act
    const ids = buildTableMappings(mapping).rules.map((rule) => rule['rule-id']);

    // Assess
    expect(ids).toEqual(['1', '2', '3', '4']);
  });
});

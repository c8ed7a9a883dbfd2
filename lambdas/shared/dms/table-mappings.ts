import { CHANGE_SEQ_COLUMN } from '../columns.js';
import type { SourceMapping, TableMapping } from '../mappings/model.js';
import { DMS_HASH_LENGTH, DMS_HASH_MASK_ACTION, hashableLength } from './hash-mask.js';

/** A DMS table-mapping rule (selection or transformation), as the DMS API takes it. */
export interface DmsRule {
  'rule-type': 'selection' | 'transformation';
  'rule-id': string;
  'rule-name': string;
  'rule-target'?: 'schema' | 'table' | 'column';
  'object-locator': Record<string, string>;
  'rule-action': string;
  value?: string;
  expression?: string;
  'data-type'?: { type: string; length?: number };
  filters?: unknown[];
}

export interface DmsTableMappings {
  rules: DmsRule[];
}

/** DMS documents limit the whole table-mapping JSON to 2 MB. */
export const MAX_TABLE_MAPPING_BYTES = 2 * 1024 * 1024;

/**
 * In object-locators `%` matches any run and `_` any single character, so a literal name must
 * escape both: `user_log` would otherwise also select `user1log`.
 */
export const escapeLocator = (name: string): string => name.replace(/[_%]/g, (c) => `[${c}]`);

/** The table mapping DMS runs for one source: exactly the mapped tables, minus excluded columns, hashed ones masked. */
export function buildTableMappings(mapping: SourceMapping): DmsTableMappings {
  const rules: DmsRule[] = [];
  const nextId = (): string => String(rules.length + 1);
  for (const table of mapping.tables) {
    rules.push({
      'rule-type': 'selection',
      'rule-id': nextId(),
      'rule-name': `include-${table.schema}-${table.table}`,
      'object-locator': {
        'schema-name': escapeLocator(table.schema),
        'table-name': escapeLocator(table.table),
      },
      'rule-action': 'include',
      filters: [],
    });
  }
  for (const table of mapping.tables) {
    for (const column of table.excludeColumns ?? []) {
      rules.push({
        'rule-type': 'transformation',
        'rule-id': nextId(),
        'rule-name': `exclude-${table.schema}-${table.table}-${column}`,
        'rule-target': 'column',
        'object-locator': {
          'schema-name': escapeLocator(table.schema),
          'table-name': escapeLocator(table.table),
          'column-name': escapeLocator(column),
        },
        'rule-action': 'remove-column',
      });
    }
  }
  for (const table of mapping.tables) {
    for (const column of table.hashColumns ?? []) {
      for (const { 'rule-type': type, ...rule } of hashRules(table, column)) {
        rules.push({ 'rule-type': type, 'rule-id': nextId(), ...rule });
      }
    }
  }
  // Selection rules already limit DMS to the mapped tables, so one wildcard rule covers them all.
  rules.push({
    'rule-type': 'transformation',
    'rule-id': nextId(),
    'rule-name': 'add-change-seq',
    'rule-target': 'column',
    'object-locator': { 'schema-name': '%', 'table-name': '%' },
    'rule-action': 'add-column',
    value: CHANGE_SEQ_COLUMN,
    expression: '$AR_H_CHANGE_SEQ',
    'data-type': { type: 'string', length: 50 },
  });
  return { rules };
}

export const tableMappingsJson = (mapping: SourceMapping): string =>
  JSON.stringify(buildTableMappings(mapping));

/**
 * DMS's hashing mask on one column (ADR 0038). A column narrower than the 64-character hash first
 * gets the documented widening `change-data-type`, whose rule-id must be the smaller "so that the
 * data type change happens before masking"; an undeclared column is widened too, its length unknown.
 */
function hashRules(table: TableMapping, column: string): Omit<DmsRule, 'rule-id'>[] {
  const locator = {
    'schema-name': escapeLocator(table.schema),
    'table-name': escapeLocator(table.table),
    'column-name': escapeLocator(column),
  };
  const declared = table.columns?.find((candidate) => candidate.name === column);
  const length = declared === undefined ? undefined : hashableLength(declared.type);
  const rules: Omit<DmsRule, 'rule-id'>[] = [];
  if (length === undefined || length < DMS_HASH_LENGTH) {
    rules.push({
      'rule-type': 'transformation',
      'rule-name': `widen-${table.schema}-${table.table}-${column}`,
      'rule-target': 'column',
      'object-locator': locator,
      'rule-action': 'change-data-type',
      'data-type': { type: 'string', length: DMS_HASH_LENGTH },
    });
  }
  rules.push({
    'rule-type': 'transformation',
    'rule-name': `hash-${table.schema}-${table.table}-${column}`,
    'rule-target': 'column',
    'object-locator': locator,
    'rule-action': DMS_HASH_MASK_ACTION,
  });
  return rules;
}

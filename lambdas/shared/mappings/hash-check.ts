import { HASHABLE_MYSQL_TYPES, hashableLength } from '../dms/hash-mask.js';
import type { MappingFile } from './model.js';
import { type Problem, pointer } from './problem.js';

/**
 * `hashColumns` checks (ADR 0038). DMS hashes only STRING/WSTRING columns and fails the task on any
 * other ("an error in the DMS task"), so every hashed column must be declared, and declared CHAR or
 * VARCHAR, for validate to know before a deploy. A hashed column is never also excluded: one of the
 * two intentions is a mistake. A key column keeps its type (a CHAR/VARCHAR stays a STRING), since
 * `_current`, the CDC table's primary key and every join on it would otherwise change type.
 */
export function hashColumnProblems({ file, mapping }: MappingFile): Problem[] {
  const problems: Problem[] = [];
  mapping.tables.forEach((table, index) => {
    const at = (k: number) => pointer('tables', index, 'hashColumns', k);
    const excluded = new Set(table.excludeColumns ?? []);
    const types = new Map((table.columns ?? []).map((column) => [column.name, column.type]));
    const allowed = HASHABLE_MYSQL_TYPES.map((type) => type.toUpperCase()).join(' or ');
    (table.hashColumns ?? []).forEach((column, k) => {
      const add = (message: string) => problems.push({ file, path: at(k), message });
      if (excluded.has(column)) {
        add(
          `column "${column}" is in both hashColumns and excludeColumns; keep it in hashColumns to join on its hash, or in excludeColumns to drop it`,
        );
        return;
      }
      const type = types.get(column);
      if (type === undefined) {
        add(
          `column "${column}" is hashed but not listed in "columns"; declare it with its MySQL type so validate can check DMS can hash it`,
        );
        return;
      }
      if (hashableLength(type) !== undefined) return;
      if (table.primaryKey.includes(column)) {
        add(
          `column "${column}" is part of the primary key and is ${type}: DMS hashes only ${allowed}, and hashing would turn the key into a 64-character STRING in BigQuery; remove it from hashColumns (a key column can be hashed only when it is already ${allowed})`,
        );
        return;
      }
      add(
        `column "${column}" is ${type}: DMS's hashing mask takes ${allowed} columns only and fails the task on any other; remove it from hashColumns, or list it in excludeColumns`,
      );
    });
  });
  return problems;
}

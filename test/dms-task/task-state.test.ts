import { describe, expect, it } from 'vitest';
import { addedTables, parseTaskProperties } from '../../lambdas/dms-task/properties.js';
import { isSubset, taskMatches } from '../../lambdas/dms-task/task-state.js';
import { mappingWith, orders, taskProperties } from './support.js';

describe('task comparison', () => {
  it('counts mappings DMS stored in another spelling (numbers, key order, empty filters) as applied', () => {
    // Prepare
    const desired = taskProperties(mappingWith(orders));
    const stored = JSON.parse(desired.TableMappings as string) as { rules: Record<string, unknown>[] };
    const respelled = {
      rules: stored.rules.map((rule) => {
        const { filters: _dropped, ...rest } = rule;
        return Object.fromEntries(Object.entries({ ...rest, 'rule-id': Number(rule['rule-id']) }).reverse());
      }),
    };

    // Act
    const matches = taskMatches(
      { TableMappings: JSON.stringify(respelled), ReplicationTaskSettings: desired.ReplicationTaskSettings },
      desired.TableMappings as string,
      desired.ReplicationTaskSettings as string,
    );

    // Assess
    expect(matches).toBe(true);
  });

  it('sees a changed excluded column as not applied', () => {
    // Prepare
    const before = taskProperties(mappingWith(orders));
    const after = taskProperties(mappingWith({ ...orders, excludeColumns: ['email'] }));

    // Act
    const matches = taskMatches(
      { TableMappings: before.TableMappings, ReplicationTaskSettings: before.ReplicationTaskSettings },
      after.TableMappings as string,
      after.ReplicationTaskSettings as string,
    );

    // Assess
    expect(matches).toBe(false);
  });

  it.each([
    [{ a: { b: 1 } }, { a: { b: 1, c: 2 }, d: 3 }, true],
    [{ list: [{ Id: 'X', Severity: 'S' }] }, { list: [{ Id: 'Y' }, { Id: 'X', Severity: 'S' }] }, true],
    [{ a: { b: 1 } }, { a: { b: 2 } }, false],
    [{ list: [{ Id: 'X' }] }, { list: [] }, false],
  ])('isSubset(%j, %j) is %s', (desired, actual, expected) => {
    // Assess
    expect(isSubset(desired, actual)).toBe(expected);
  });
});

describe('custom resource properties', () => {
  it('names the missing property', () => {
    // Prepare
    const { TableMappings: _missing, ...rest } = taskProperties(mappingWith(orders));

    // Act
    const parse = () => parseTaskProperties(rest);

    // Assess
    expect(parse).toThrow('custom resource property TableMappings is required and must be a string');
  });

  it('finds added tables by their literal names, not the escaped locators', () => {
    // Prepare
    const before = taskProperties(mappingWith(orders)).TableMappings as string;
    const after = taskProperties(mappingWith(orders, { ...orders, table: 'order_items' }))
      .TableMappings as string;

    // Act
    const added = addedTables(before, after);

    // Assess
    expect(added).toEqual([{ schema: 'sales', table: 'order_items' }]);
  });
});

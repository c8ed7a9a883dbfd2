import { describe, expect, it } from 'vitest';
import { grantGap, parseGrants } from '../../cli/setup/source/grants.js';

const orders = { schema: 'sales', table: 'orders' };
const beat = { schema: 'dms2bq', table: 'heartbeat' };

describe('the DMS user grants setup reads from SHOW GRANTS', () => {
  it('reads MariaDB 10.5+ spellings as the privileges DMS documents', () => {
    // Prepare
    const held = parseGrants([
      "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `dms2bq`@`%` IDENTIFIED BY PASSWORD '*AB'",
      'GRANT SELECT ON `sales`.`orders` TO `dms2bq`@`%`',
      'GRANT SELECT ON `dms2bq`.`heartbeat` TO `dms2bq`@`%`',
    ]);

    // Act
    const gap = grantGap(held, [orders, beat]);

    // Assess
    expect(gap).toEqual({ global: [], tables: [], extra: [] });
  });

  it('takes a schema-wide or global SELECT as covering the table, and names it as more than DMS needs', () => {
    // Prepare
    const held = parseGrants([
      'GRANT REPLICATION CLIENT, REPLICATION REPLICA, SUPER ON *.* TO `dms2bq`@`%`',
      'GRANT SELECT ON `sales`.* TO `dms2bq`@`%`',
    ]);

    // Act
    const gap = grantGap(held, [orders, beat]);

    // Assess
    expect(gap).toEqual({ global: [], tables: [beat], extra: ['SUPER ON *.*', 'SELECT ON sales.*'] });
  });

  it('counts column privileges for nothing: DMS reads whole rows', () => {
    // Prepare
    const held = parseGrants([
      'GRANT USAGE ON *.* TO `dms2bq`@`%`',
      'GRANT SELECT (`id`, `total`) ON `sales`.`orders` TO `dms2bq`@`%`',
    ]);

    // Act
    const gap = grantGap(held, [orders]);

    // Assess
    expect(gap).toEqual({ global: ['REPLICATION CLIENT', 'REPLICATION SLAVE'], tables: [orders], extra: [] });
  });

  it('reads names with dots and backticks as one identifier', () => {
    // Prepare
    const odd = { schema: 'a.b', table: 'c`d' };
    const held = parseGrants(['GRANT SELECT ON `a.b`.`c``d` TO `dms2bq`@`%`']);

    // Act
    const gap = grantGap(held, [odd]);

    // Assess
    expect(gap.tables).toEqual([]);
  });
});

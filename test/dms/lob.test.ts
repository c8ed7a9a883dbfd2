import { describe, expect, it } from 'vitest';
import {
  defaultLobMaxSizeKb,
  lobCapacityBytes,
  lobMaxSizeKb,
  lobTruncationRisks,
} from '../../lambdas/shared/dms/lob.js';
import { buildReplicationSettings } from '../../lambdas/shared/dms/settings.js';
import type { ColumnMapping } from '../../lambdas/shared/mappings/model.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const withColumns = (columns: ColumnMapping[], dms = {}) =>
  sourceMappingFactory({
    dms,
    tables: [tableMappingFactory({ columns: [{ name: 'id', type: 'bigint' }, ...columns] })],
  });

describe('lobCapacityBytes', () => {
  it.each([
    ['tinytext', 255],
    ['TEXT', 65_535],
    ['blob', 65_535],
    ['mediumtext', 16_777_215],
    ['longblob', 4_294_967_295],
    ['json', 1_073_741_824],
  ])('knows what a MySQL %s can hold', (type, bytes) => {
    // Act
    const capacity = lobCapacityBytes(type);

    // Assess
    expect(capacity).toBe(bytes);
  });

  it.each(['varchar(65535)', 'bigint', 'enum("a")'])('treats %s as no LOB', (type) => {
    // Act
    const capacity = lobCapacityBytes(type);

    // Assess
    expect(capacity).toBeUndefined();
  });
});

describe('default LobMaxSize', () => {
  it.each([
    { name: 'no LOB columns', columns: [], kb: 32 },
    { name: 'a TINYTEXT', columns: [{ name: 'c', type: 'tinytext' }], kb: 32 },
    { name: 'a TEXT (65,535 bytes)', columns: [{ name: 'c', type: 'text' }], kb: 64 },
    { name: 'a MEDIUMTEXT without maxBytes', columns: [{ name: 'c', type: 'mediumtext' }], kb: 64 },
    {
      name: 'a JSON measured at 200,000 bytes',
      columns: [{ name: 'c', type: 'json', maxBytes: 200_000 }],
      kb: 196,
    },
    {
      name: 'a LONGBLOB measured past DMS’s maximum',
      columns: [{ name: 'c', type: 'longblob', maxBytes: 2e9 }],
      kb: 102_400,
    },
  ])('is $kb KB for $name', ({ columns, kb }) => {
    // Act
    const size = defaultLobMaxSizeKb(withColumns(columns));

    // Assess
    expect(size).toBe(kb);
  });

  it('yields to dms.lobMaxSizeKb', () => {
    // Act
    const size = lobMaxSizeKb(withColumns([{ name: 'c', type: 'text' }], { lobMaxSizeKb: 8 }));

    // Assess
    expect(size).toBe(8);
  });

  it('reaches the DMS task settings in limited LOB mode', () => {
    // Act
    const settings = buildReplicationSettings(withColumns([{ name: 'c', type: 'text' }]));

    // Assess
    expect(settings.TargetMetadata).toMatchObject({
      SupportLobs: true,
      FullLobMode: false,
      LimitedSizeLobMode: true,
      LobMaxSize: 64,
    });
  });
});

describe('lobTruncationRisks', () => {
  it('names a JSON column DMS can cut, with its capacity and the limit in bytes', () => {
    // Act
    const risks = lobTruncationRisks(withColumns([{ name: 'doc', type: 'json' }]));

    // Assess
    expect(risks).toEqual([
      expect.objectContaining({ tableIndex: 0, columnIndex: 1, maxBytes: 1_073_741_824, limitBytes: 65_536 }),
    ]);
  });

  it('trusts a measured maxBytes that fits', () => {
    // Act
    const risks = lobTruncationRisks(
      withColumns([{ name: 'doc', type: 'json', maxBytes: 65_536 }], { lobMaxSizeKb: 64 }),
    );

    // Assess
    expect(risks).toEqual([]);
  });

  it('flags a TEXT when dms.lobMaxSizeKb is set below it', () => {
    // Act
    const risks = lobTruncationRisks(withColumns([{ name: 'note', type: 'text' }], { lobMaxSizeKb: 32 }));

    // Assess
    expect(risks.map((risk) => [risk.column.name, risk.maxBytes, risk.limitBytes])).toEqual([
      ['note', 65_535, 32_768],
    ]);
  });

  it('ignores an excluded column: DMS never reads it', () => {
    // Prepare
    const mapping = withColumns([{ name: 'doc', type: 'longtext' }]);
    mapping.tables[0] = { ...tableMappingFactory(), ...mapping.tables[0], excludeColumns: ['doc'] };

    // Act
    const risks = lobTruncationRisks(mapping);

    // Assess
    expect(risks).toEqual([]);
  });
});

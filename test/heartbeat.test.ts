import { describe, expect, it } from 'vitest';
import { heartbeatSql, heartbeatTiming } from '../lambdas/shared/heartbeat.js';
import { validateDocuments } from '../lambdas/shared/mappings/validate.js';
import { sourceMappingFactory, tableMappingFactory } from './support/mappings.js';

const beat = { schema: 'dms2bq', table: 'heartbeat', intervalSeconds: 60 };
const heartbeatTableMapping = tableMappingFactory({
  schema: 'dms2bq',
  table: 'heartbeat',
  primaryKey: ['id'],
});

describe('heartbeatTiming', () => {
  it.each([
    { interval: 60, cdc: 90, period: 240, pages: 870 },
    { interval: 30, cdc: 90, period: 180, pages: 690 },
    { interval: 60, cdc: 300, period: 420, pages: 1_620 },
  ])(
    'interval $interval s, CDC $cdc s: period $period s, pages within $pages s',
    ({ interval, cdc, period, pages }) => {
      // Act
      const timing = heartbeatTiming(
        sourceMappingFactory({
          dms: { cdcMaxBatchIntervalSeconds: cdc },
          heartbeat: { ...beat, intervalSeconds: interval },
        }),
      );

      // Assess
      expect(timing).toMatchObject({ periodSeconds: period, pagesWithinSeconds: pages });
      expect(timing?.periodSeconds).toBeGreaterThanOrEqual(interval + cdc + 60);
    },
  );

  it('is undefined for a source without a heartbeat', () => {
    // Act
    const timing = heartbeatTiming(sourceMappingFactory());

    // Assess
    expect(timing).toBeUndefined();
  });
});

describe('heartbeat in the mapping', () => {
  it('must be one of the replicated tables', () => {
    // Prepare
    const document = sourceMappingFactory({ heartbeat: beat });

    // Act
    const { problems } = validateDocuments([{ file: 'mappings/shop.json', document }]);

    // Assess
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      '/heartbeat: heartbeat dms2bq.heartbeat is not listed in "tables"; add {"schema":"dms2bq","table":"heartbeat","primaryKey":["id"]} to "tables"',
    ]);
  });

  it('validates when listed', () => {
    // Prepare
    const document = sourceMappingFactory({
      heartbeat: beat,
      tables: [tableMappingFactory(), heartbeatTableMapping],
    });

    // Act
    const { problems } = validateDocuments([{ file: 'mappings/shop.json', document }]);

    // Assess
    expect(problems).toEqual([]);
  });

  it('gives the source the EVENT that updates it every interval', () => {
    // Act
    const sql = heartbeatSql(sourceMappingFactory({ heartbeat: { ...beat, intervalSeconds: 15 } }));

    // Assess
    expect(sql).toContain('CREATE EVENT IF NOT EXISTS `dms2bq`.`heartbeat_tick` ON SCHEDULE EVERY 15 SECOND');
    expect(sql).toContain('UPDATE `dms2bq`.`heartbeat` SET beat_at = NOW(6) WHERE id = 1');
  });
});

import { describe, expect, it } from 'vitest';
import { buildReplicationSettings, buildS3Settings } from '../../lambdas/shared/dms/settings.js';
import { sourceMappingFactory } from '../support/mappings.js';

describe('buildS3Settings', () => {
  it('fixes the output format the loader depends on', () => {
    // Act
    const settings = buildS3Settings(sourceMappingFactory({ dms: { cdcMaxBatchIntervalSeconds: 120 } }));

    // Assess
    expect(settings).toMatchObject({
      DataFormat: 'parquet',
      IncludeOpForFullLoad: true,
      TimestampColumnName: '_dms_timestamp',
      UseTaskStartTimeForFullLoadTimestamp: true,
      EnableStatistics: true,
      BucketFolder: 'shop',
      DatePartitionEnabled: true,
      DatePartitionSequence: 'YYYYMMDD',
      DatePartitionDelimiter: 'SLASH',
      CdcMaxBatchInterval: 120,
    });
  });

  it('defaults the CDC interval to 90 s', () => {
    // Act
    const settings = buildS3Settings(sourceMappingFactory({ dms: {} }));

    // Assess
    expect(settings.CdcMaxBatchInterval).toBe(90);
  });
});

describe('buildReplicationSettings', () => {
  it('never lets DMS delete landed files', () => {
    // Act
    const settings = buildReplicationSettings(sourceMappingFactory());

    // Assess
    expect(settings.ChangeProcessingDdlHandlingPolicy).toMatchObject({
      HandleSourceTableDropped: false,
      HandleSourceTableTruncated: false,
    });
    expect(settings.FullLoadSettings.TargetTablePrepMode).toBe('DO_NOTHING');
  });

  it('uses limited LOB mode with the mapping’s size', () => {
    // Act
    const settings = buildReplicationSettings(sourceMappingFactory({ dms: { lobMaxSizeKb: 256 } }));

    // Assess
    expect(settings.TargetMetadata).toMatchObject({
      FullLobMode: false,
      LimitedSizeLobMode: true,
      LobMaxSize: 256,
    });
  });
});

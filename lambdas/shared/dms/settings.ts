import { TIMESTAMP_COLUMN } from '../columns.js';
import { cdcMaxBatchInterval, type SourceMapping } from '../mappings/model.js';
import { lobMaxSizeKb } from './lob.js';

/**
 * The S3 target settings every source gets (ADR 0003). Only the batch interval comes from the
 * mapping; bucket and role are filled in by the stack.
 */
export function buildS3Settings(mapping: SourceMapping) {
  return {
    DataFormat: 'parquet',
    ParquetVersion: 'parquet-1-0',
    EncodingType: 'rle-dictionary',
    // Compressed files cost less S3 storage and, above all, less egress from AWS to Google.
    CompressionType: 'GZIP',
    EnableStatistics: true,
    ParquetTimestampInMillisecond: false,
    // Full-load files would otherwise lack `Op` and differ in schema from CDC files.
    IncludeOpForFullLoad: true,
    TimestampColumnName: TIMESTAMP_COLUMN,
    // Full-load rows then carry the task start time, earlier than any change captured during the
    // load, so ordering by _dms_timestamp puts those cached changes after the full-load row.
    UseTaskStartTimeForFullLoadTimestamp: true,
    BucketFolder: mapping.source,
    DatePartitionEnabled: true,
    DatePartitionSequence: 'YYYYMMDD',
    DatePartitionDelimiter: 'SLASH',
    CdcMaxBatchInterval: cdcMaxBatchInterval(mapping),
    // KB. High enough that the interval, not the size, decides when a file is cut: the quota guard
    // counts one file per table per interval.
    CdcMinFileSize: 1_048_576,
    CdcInsertsOnly: false,
    CdcInsertsAndUpdates: false,
    PreserveTransactions: false,
  } as const;
}

/** Replication task settings (ReplicationTaskSettings) of the source's provisioned task. */
export function buildReplicationSettings(mapping: SourceMapping) {
  return {
    TargetMetadata: {
      SupportLobs: true,
      FullLobMode: false,
      LimitedSizeLobMode: true,
      // Sized from the mapping so declared TEXT/BLOB/JSON columns fit (dms/lob.ts, ADR 0019).
      LobMaxSize: lobMaxSizeKb(mapping),
      BatchApplyEnabled: false,
    },
    FullLoadSettings: {
      // Any other mode deletes the table's landed files in S3 when a task starts or reloads.
      TargetTablePrepMode: 'DO_NOTHING',
      MaxFullLoadSubTasks: 8,
    },
    ChangeProcessingDdlHandlingPolicy: {
      // True would make DMS delete the table's landed files, losing data not yet loaded.
      HandleSourceTableDropped: false,
      HandleSourceTableTruncated: false,
      HandleSourceTableAltered: true,
    },
    // A masking failure stops the task (DMS's default, pinned): LOG_ERROR would load "Unmasked data".
    ...(mapping.tables.some((table) => (table.hashColumns ?? []).length > 0)
      ? { ErrorBehavior: { DataMaskingErrorPolicy: 'STOP_TASK' } }
      : {}),
    Logging: {
      EnableLogging: true,
      LogComponents: ['SOURCE_CAPTURE', 'SOURCE_UNLOAD', 'TARGET_LOAD', 'TARGET_APPLY', 'TASK_MANAGER'].map(
        (Id) => ({ Id, Severity: 'LOGGER_SEVERITY_DEFAULT' }),
      ),
    },
  } as const;
}

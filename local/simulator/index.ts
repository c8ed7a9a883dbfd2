/** The DMS file simulator: what DMS with this project's settings writes to S3, plus the ground truth. */
export { canonicalValue, type JsonValue, type ReaderValue } from './canonical.js';
export { parseMysqlType, UnsupportedTypeError } from './column-types.js';
export { DailySimulator, type DailySimulatorOptions } from './daily.js';
export { changeSeq, changeSeqTimestamp } from './dms-file.js';
export {
  DEFAULT_START,
  type SimulatedFile,
  type SimulateOptions,
  type SimulationResult,
  simulate,
} from './simulate.js';
export { directorySink, type FileSink, s3Sink } from './sinks.js';
export type { ChangeMix } from './source-stream.js';
export { ADDED_COLUMN, DEFAULT_COLUMNS, SimulationInputError } from './table-model.js';
export { type GroundTruth, type GroundTruthTable, writeGroundTruth } from './truth.js';
export { dmsTimestamp } from './values.js';
export { widenColumn } from './widen.js';

import { cdcKey, loadKey } from '../../lambdas/shared/dms/keys.js';
import { cdcMaxBatchInterval, type MappingFile } from '../../lambdas/shared/mappings/model.js';
import { cdcFile, loadFile } from './dms-file.js';
import { logTruncations } from './lob.js';
import type { ParquetFileOptions } from './parquet/file.js';
import { hash4 } from './prng.js';
import type { FileSink } from './sinks.js';
import { type ChangeMix, SourceStream } from './source-stream.js';
import { SimulationInputError, stringHash, tableShape } from './table-model.js';
import { TableState } from './table-state.js';
import { type GroundTruth, tableTruth } from './truth.js';

export interface SimulateOptions {
  /** Parsed mapping files (`loadMappingDir`). Every table of every source is simulated. */
  mappings: MappingFile[];
  sink: FileSink;
  /** Length of the CDC stream after the full load. */
  minutes: number;
  /** Changes per minute per source (one DMS task), spread over its tables with a Zipf skew. */
  changesPerMinute: number;
  /** Default 1. Same seed and options → byte-identical files and truth. */
  seed?: number;
  /** Task start = full-load time; CDC commits follow it. Default 2026-01-01T00:00:00Z. */
  start?: Date;
  /** Rows per table in the full load. Default 1,000. */
  initialRowsPerTable?: number;
  /** CompressionType GZIP instead of NONE. */
  gzip?: boolean;
  /** ParquetVersion: 1 = parquet-1-0 (DMS default, DataPage v1), 2 = parquet-2-0 (DataPage v2). */
  parquetVersion?: 1 | 2;
  /**
   * `default`: a growing table (inserts outnumber deletes). `hot`: nine changes in ten are updates
   * and the rest keep the full load's row count (insert below it, delete otherwise), so the keys hold
   * steady while their history grows, as in a hot table.
   */
  changeMix?: ChangeMix;
  /** Halfway through the stream every table gains a nullable column (ALTER TABLE … ADD COLUMN). */
  addColumnMidStream?: boolean;
  /** Rows per LOAD file (DMS cuts at MaxFileSize; a row count keeps runs deterministic). Default 100,000. */
  fullLoadRowsPerFile?: number;
  /** RowGroupLength. Default 10,000. */
  rowGroupLength?: number;
  /** Put every current row in the truth (default). Off for very large runs: counts only. */
  includeTruthRows?: boolean;
  /** Called after each file is written (progress reporting). */
  onFile?: (file: SimulatedFile) => void;
  /**
   * 1 in this many TEXT/BLOB/JSON values is longer than the source's LobMaxSize, so the files hold
   * it cut at LobMaxSize bytes, as DMS writes it (default 0: none).
   */
  oversizedLobEvery?: number;
  /** DMS's task log: gets the warning line of each truncated LOB value. */
  onTaskLog?: (line: string) => void;
}

export interface SimulatedFile {
  key: string;
  rows: number;
  bytes: number;
  kind: 'load' | 'cdc';
}

export interface SimulationResult {
  /** In the order they were written: all LOAD files, then CDC files by window and write time. */
  files: SimulatedFile[];
  truth: GroundTruth;
}

export const DEFAULT_START = new Date('2026-01-01T00:00:00Z');

function check(condition: boolean, message: string): void {
  if (!condition) throw new SimulationInputError(message);
}

function validate(options: SimulateOptions): void {
  const {
    minutes,
    changesPerMinute,
    initialRowsPerTable = 0,
    fullLoadRowsPerFile = 1,
    rowGroupLength = 1,
  } = options;
  check(Number.isFinite(minutes) && minutes > 0, `minutes must be a positive number, got ${minutes}`);
  check(
    Number.isFinite(changesPerMinute) && changesPerMinute >= 0,
    `changesPerMinute must be a number ≥ 0, got ${changesPerMinute}`,
  );
  check(
    Number.isInteger(initialRowsPerTable) && initialRowsPerTable >= 0,
    `initialRowsPerTable must be an integer ≥ 0, got ${initialRowsPerTable}`,
  );
  check(
    Number.isInteger(fullLoadRowsPerFile) && fullLoadRowsPerFile >= 1,
    `fullLoadRowsPerFile must be an integer ≥ 1, got ${fullLoadRowsPerFile}`,
  );
  check(Number.isInteger(rowGroupLength) && rowGroupLength >= 1, `rowGroupLength must be an integer ≥ 1`);
  check(
    options.seed === undefined || Number.isInteger(options.seed),
    `seed must be an integer, got ${options.seed}`,
  );
  check(options.start === undefined || !Number.isNaN(options.start.getTime()), 'start is not a valid date');
  check(options.mappings.length > 0, 'no mapping files to simulate');
  check(
    options.changeMix === undefined || options.changeMix === 'default' || options.changeMix === 'hot',
    `changeMix must be 'default' or 'hot', got ${options.changeMix}`,
  );
  const every = options.oversizedLobEvery ?? 0;
  check(Number.isInteger(every) && every >= 0, `oversizedLobEvery must be an integer ≥ 0, got ${every}`);
}

/** Writes what DMS would write for every mapped table, and returns the files and the ground truth. */
export async function simulate(options: SimulateOptions): Promise<SimulationResult> {
  validate(options);
  const seed = options.seed ?? 1;
  const start = options.start ?? DEFAULT_START;
  const startMicros = start.getTime() * 1000;
  const parquetVersion = options.parquetVersion ?? 1;
  const gzip = options.gzip ?? false;
  const initialRows = options.initialRowsPerTable ?? 1000;
  const perLoadFile = options.fullLoadRowsPerFile ?? 100_000;
  const fileOptions: ParquetFileOptions = {
    parquetVersion,
    gzip,
    rowGroupLength: options.rowGroupLength ?? 10_000,
  };
  const context = { startMicros, foreignKeyRange: initialRows };
  const taskLog = options.onTaskLog ?? (() => {});
  const files: SimulatedFile[] = [];
  const emit = async (key: string, bytes: Uint8Array, rows: number, kind: 'load' | 'cdc') => {
    await options.sink.write(key, bytes);
    const file = { key, rows, bytes: bytes.length, kind };
    files.push(file);
    options.onFile?.(file);
  };

  const sources = options.mappings.map(({ file, mapping }) => {
    const sourceSeed = hash4(seed, stringHash(mapping.source), 0x50c, 0);
    const states = mapping.tables.map(
      (table) =>
        new TableState(tableShape(file, mapping, table, sourceSeed, options.oversizedLobEvery), context),
    );
    const stream = new SourceStream(
      states,
      sourceSeed,
      startMicros,
      options.minutes * 60_000_000,
      cdcMaxBatchInterval(mapping) * 1_000_000,
      Math.round(options.minutes * options.changesPerMinute),
      options.addColumnMidStream ?? false,
      options.changeMix ?? 'default',
    );
    return { states, stream };
  });

  for (const { states } of sources) {
    for (const state of states) {
      const { source, schema, table } = state.shape;
      for (let i = 0; i < initialRows; i++) state.insertNew();
      for (let from = 0, n = 1; from < initialRows; from += perLoadFile, n++) {
        const to = Math.min(initialRows, from + perLoadFile);
        await emit(
          loadKey(source, schema, table, n),
          loadFile(state, from, to, startMicros, fileOptions),
          to - from,
          'load',
        );
        logTruncations(state, to - from, (i) => [from + i, 0, 0, startMicros], taskLog);
      }
    }
  }

  let altered = sources.map(() => false);
  for (;;) {
    let next = -1;
    sources.forEach(({ stream }, index) => {
      const best = sources[next]?.stream;
      if (!stream.done && (!best || stream.nextWindowEnd < best.nextWindowEnd)) next = index;
    });
    const current = sources[next];
    if (!current) break;
    const batch = current.stream.nextWindow();
    altered = altered.map((value, index) => (index === next ? batch.altered : value));
    for (const { state, buffer, counters, fileTimeMillis } of batch.tables) {
      const { source, schema, table } = state.shape;
      const key = cdcKey(source, schema, table, new Date(fileTimeMillis));
      counters.keysChangedMoreThanOnceInOneFile += buffer.repeatedKeys();
      await emit(key, cdcFile(state, buffer, batch.altered, fileOptions), buffer.length, 'cdc');
      const { keys, versions, bases, commits } = buffer;
      logTruncations(
        state,
        buffer.length,
        (i) => [keys[i] as number, versions[i] as number, bases[i] as number, commits[i] as number],
        taskLog,
      );
      buffer.clear();
    }
  }

  const truth: GroundTruth = {
    run: {
      seed,
      start: start.toISOString(),
      minutes: options.minutes,
      changesPerMinute: options.changesPerMinute,
      parquetVersion,
      gzip,
    },
    tables: {},
  };
  sources.forEach(({ states, stream }, index) => {
    const counters = stream.counters;
    states.forEach((state, tableIndex) => {
      const tableCounters = counters[tableIndex] ?? {
        I: 0,
        U: 0,
        D: 0,
        reinserts: 0,
        keysChangedMoreThanOnceInOneFile: 0,
      };
      truth.tables[state.shape.routeKey] = tableTruth(
        state,
        tableCounters,
        initialRows,
        altered[index] ?? false,
        options.includeTruthRows ?? true,
      );
    });
  });
  return { files, truth };
}

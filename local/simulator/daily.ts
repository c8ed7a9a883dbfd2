import { cdcKey, loadKey } from '../../lambdas/shared/dms/keys.js';
import { cdcMaxBatchInterval, type MappingFile } from '../../lambdas/shared/mappings/model.js';
import { cdcFile, loadFile } from './dms-file.js';
import type { ParquetFileOptions } from './parquet/file.js';
import { hash4 } from './prng.js';
import { reloadFile } from './reload-file.js';
import type { SimulatedFile } from './simulate.js';
import type { FileSink } from './sinks.js';
import { SourceStream, type TableCounters } from './source-stream.js';
import { SimulationInputError, stringHash, tableShape } from './table-model.js';
import { TableState } from './table-state.js';
import { type GroundTruth, tableTruth } from './truth.js';
import { widenColumn } from './widen.js';

/**
 * One DMS task per mapping file, run in steps that continue each other, as a soak needs: a full
 * load, then any number of CDC spans (each a `SourceStream` whose change counter goes on from the
 * last), with source changes DMS does not capture (a stopped task), table reloads, added and
 * widened columns in between. The tables' state lives on across steps; `truth()` is the source at
 * the moment it is called. `simulate()` stays the one-shot form of the same stream.
 */
export interface DailySimulatorOptions {
  mappings: MappingFile[];
  sink: FileSink;
  seed?: number;
  /** Task start: the full load's `_dms_timestamp` (UseTaskStartTimeForFullLoadTimestamp). */
  start: Date;
  /** Full-load rows of a table; `initialRows(routeKey)` may give one table many more. */
  initialRows: (routeKey: string) => number;
  fullLoadRowsPerFile: number;
  parquet: ParquetFileOptions;
}

interface SimulatedTable {
  state: TableState;
  counters: TableCounters;
  fullLoadRows: number;
  altered: boolean;
  /** The latest full load or reload, in microseconds: when DMS started and finished writing it. */
  load?: { startedMicros: number; endedMicros: number; reloaded: boolean };
}

interface SimulatedSource {
  seed: number;
  tables: SimulatedTable[];
  intervalMicros: number;
  lastSeq: number;
  spans: number;
}

export class DailySimulator {
  private readonly sources: SimulatedSource[];
  private readonly byRoute = new Map<string, SimulatedTable>();
  private readonly startMicros: number;

  constructor(private readonly options: DailySimulatorOptions) {
    const seed = options.seed ?? 1;
    this.startMicros = options.start.getTime() * 1000;
    const context = { startMicros: this.startMicros };
    this.sources = options.mappings.map(({ file, mapping }) => {
      const sourceSeed = hash4(seed, stringHash(mapping.source), 0x50c, 0);
      const tables = mapping.tables.map((table) => {
        const state = new TableState(tableShape(file, mapping, table, sourceSeed), context);
        const simulated: SimulatedTable = {
          state,
          counters: { I: 0, U: 0, D: 0, reinserts: 0, keysChangedMoreThanOnceInOneFile: 0 },
          fullLoadRows: 0,
          altered: false,
        };
        this.byRoute.set(state.shape.routeKey, simulated);
        return simulated;
      });
      return {
        seed: sourceSeed,
        tables,
        intervalMicros: cdcMaxBatchInterval(mapping) * 1_000_000,
        lastSeq: 0,
        spans: 0,
      };
    });
  }

  /** The full load of every table at the task start: LOAD00000001… per table. */
  async fullLoad(): Promise<SimulatedFile[]> {
    const files: SimulatedFile[] = [];
    for (const { tables } of this.sources) {
      for (const table of tables) {
        const { state } = table;
        const { source, schema, table: name, routeKey } = state.shape;
        const rows = this.options.initialRows(routeKey);
        for (let i = 0; i < rows; i++) state.insertNew();
        table.fullLoadRows += rows;
        table.load = { startedMicros: this.startMicros, endedMicros: this.startMicros, reloaded: false };
        const per = this.options.fullLoadRowsPerFile;
        for (let from = 0, n = 1; from < rows; from += per, n++) {
          const to = Math.min(rows, from + per);
          const bytes = loadFile(state, from, to, this.startMicros, this.options.parquet);
          files.push(await this.write(loadKey(source, schema, name, n), bytes, to - from, 'load'));
        }
      }
    }
    return files;
  }

  /**
   * `changes` source changes per mapping file committed in [fromMicros, fromMicros + durationMicros).
   * With `capture: false` the source changes but DMS writes nothing: the task is stopped.
   */
  async changes(
    fromMicros: number,
    durationMicros: number,
    changes: number,
    capture = true,
  ): Promise<SimulatedFile[]> {
    const files: SimulatedFile[] = [];
    for (const source of this.sources) {
      const stream = new SourceStream(
        source.tables.map((table) => table.state),
        hash4(source.seed, source.spans++, 0xda7, 0),
        fromMicros,
        durationMicros,
        source.intervalMicros,
        changes,
        false,
        'default',
        source.lastSeq,
      );
      while (!stream.done) {
        const batch = stream.nextWindow();
        for (const { state, buffer, counters, fileTimeMillis } of batch.tables) {
          const table = this.byRoute.get(state.shape.routeKey) as SimulatedTable;
          if (capture) {
            counters.keysChangedMoreThanOnceInOneFile += buffer.repeatedKeys();
            const { source: name, schema, table: tableName } = state.shape;
            const key = cdcKey(name, schema, tableName, new Date(fileTimeMillis));
            const bytes = cdcFile(state, buffer, table.altered, this.options.parquet);
            files.push(await this.write(key, bytes, buffer.length, 'cdc'));
          }
          buffer.clear();
        }
      }
      source.lastSeq = stream.lastSeq;
      stream.counters.forEach((counters, index) => {
        const table = source.tables[index] as SimulatedTable;
        // Uncaptured changes are the source's, not DMS's: the truth's rows move, its change counts do not.
        if (!capture) return;
        table.counters.I += counters.I;
        table.counters.U += counters.U;
        table.counters.D += counters.D;
        table.counters.reinserts += counters.reinserts;
        table.counters.keysChangedMoreThanOnceInOneFile += counters.keysChangedMoreThanOnceInOneFile;
      });
    }
    return files;
  }

  /** `ALTER TABLE … ADD COLUMN` (the simulator's one added column) on `routeKey`'s table. */
  addColumn(routeKey: string): void {
    const table = this.table(routeKey);
    if (table.altered) throw new SimulationInputError(`${routeKey}: the column was added already`);
    table.state.takeAlterSnapshot();
    table.altered = true;
  }

  /** `ALTER TABLE … MODIFY column wider-type` (widen.ts). */
  widen(routeKey: string, column: string, mysqlType: string): void {
    widenColumn(this.table(routeKey).state, column, mysqlType);
  }

  /**
   * A reload of one table at `atMicros` (`reload-target`/ReloadTables): its existing rows as LOAD
   * files again, under the same names from LOAD00000001 on (dms-s3-target.md: names may be reused,
   * the ETag tells the content apart). Keys deleted while the task was stopped are simply absent:
   * DMS writes no delete for them.
   */
  async reload(routeKey: string, atMicros: number): Promise<SimulatedFile[]> {
    const table = this.table(routeKey);
    const { state } = table;
    const live: number[] = [];
    for (let key = 0; key < state.nextKey; key++) if (state.isLive(key)) live.push(key);
    const { source, schema, table: name } = state.shape;
    const files: SimulatedFile[] = [];
    const per = this.options.fullLoadRowsPerFile;
    for (let from = 0, n = 1; from < live.length; from += per, n++) {
      const keys = live.slice(from, from + per);
      const bytes = reloadFile(state, keys, table.altered, atMicros, this.options.parquet);
      files.push(await this.write(loadKey(source, schema, name, n), bytes, keys.length, 'load'));
    }
    table.fullLoadRows = live.length;
    table.load = { startedMicros: atMicros, endedMicros: atMicros, reloaded: true };
    return files;
  }

  /** What the source holds now, with DMS's change counts so far. */
  truth(): GroundTruth {
    const truth: GroundTruth = {
      run: {
        seed: this.options.seed ?? 1,
        start: this.options.start.toISOString(),
        minutes: 0,
        changesPerMinute: 0,
        parquetVersion: this.options.parquet.parquetVersion,
        gzip: this.options.parquet.gzip,
      },
      tables: {},
    };
    const iso = (micros: number) => new Date(Math.floor(micros / 1000)).toISOString();
    for (const [route, table] of this.byRoute) {
      truth.tables[route] = tableTruth(table.state, table.counters, table.fullLoadRows, table.altered, true);
      if (table.load)
        truth.tables[route].load = {
          startedAt: iso(table.load.startedMicros),
          endedAt: iso(table.load.endedMicros),
          reloaded: table.load.reloaded,
        };
    }
    return truth;
  }

  private table(routeKey: string): SimulatedTable {
    const table = this.byRoute.get(routeKey);
    if (!table)
      throw new SimulationInputError(
        `${routeKey} is not a mapped table; use one of ${[...this.byRoute.keys()].join(', ')}`,
      );
    return table;
  }

  private async write(key: string, bytes: Uint8Array, rows: number, kind: 'load' | 'cdc') {
    await this.options.sink.write(key, bytes);
    return { key, rows, bytes: bytes.length, kind };
  }
}

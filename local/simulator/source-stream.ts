import type { DmsOperation } from '../../lambdas/shared/columns.js';
import { ChangeBuffer } from './change-buffer.js';
import { hash4, mix32, Rng } from './prng.js';
import type { TableState } from './table-state.js';

/**
 * The change stream of one source (one DMS task): transactions at regular commit times with a
 * little jitter, spread over the source's tables with a Zipf skew (table i of the mapping gets
 * weight 1/(i+1)), cut into one CDC file per table per CdcMaxBatchInterval window.
 *
 * Operation mix per change (`default`): ~45% inserts, ~40% updates (a quarter of them on a recently
 * changed key, so one key often changes several times inside one file), ~13% deletes, ~2% re-inserts
 * of a deleted key; `hot`: ~90% updates, the rest a delete while the table holds at least its
 * full-load row count and an insert otherwise, so the number of keys holds steady while each changes
 * many times (a hot table's history); 30% of the later changes of a multi-change transaction touch the previous change's
 * key again. Each table also runs a short script as soon as it can — two updates of one key in one
 * transaction, a delete, and a re-insert of that key in a later file — so every scenario occurs
 * even in a small run.
 */
export interface TableCounters {
  I: number;
  U: number;
  D: number;
  reinserts: number;
  keysChangedMoreThanOnceInOneFile: number;
}

/** Shares of the changes drawn at random; deletes take the rest, or in a steady mix they balance inserts. */
interface ChangeShares {
  reinsert: number;
  insert: number;
  update: number;
  steady: boolean;
}

export type ChangeMix = 'default' | 'hot';

const MIXES: Record<ChangeMix, ChangeShares> = {
  default: { reinsert: 0.02, insert: 0.45, update: 0.4, steady: false },
  hot: { reinsert: 0, insert: 0, update: 0.9, steady: true },
};

const RECENT = 32;
const POOL = 4096;

class TableStream {
  readonly buffer = new ChangeBuffer();
  readonly counters: TableCounters = { I: 0, U: 0, D: 0, reinserts: 0, keysChangedMoreThanOnceInOneFile: 0 };
  readonly deleted: number[] = [];
  readonly recent = new Int32Array(RECENT).fill(-1);
  recentAt = 0;
  scriptStep = 0;
  scriptKey = -1;
  scriptWindow = -1;
  /** A steady mix keeps the table at this many rows: its count at its first change (the full load's). */
  steadyRows = -1;

  constructor(readonly state: TableState) {}
}

export interface WindowBatch {
  /** End of the window (µs); every change in it committed before this instant. */
  windowEnd: number;
  /** Whether files of this window carry the column added mid-stream. */
  altered: boolean;
  tables: { state: TableState; buffer: ChangeBuffer; counters: TableCounters; fileTimeMillis: number }[];
}

export class SourceStream {
  readonly windows: number;
  private readonly streams: TableStream[];
  private readonly cumulative: number[] = [];
  private readonly rng: Rng;
  private readonly totalChanges: number;
  private readonly spanMicros: number;
  private readonly alterWindow: number;
  private windowIndex = 0;
  private changeIndex = 0;
  private seq = 0;
  private windowEnd = 0;
  /** Cumulative thresholds of a roll: re-insert, insert, update; delete above. */
  private readonly below: { reinsert: number; insert: number; update: number };
  private readonly steady: boolean;

  constructor(
    tables: TableState[],
    private readonly seed: number,
    private readonly startMicros: number,
    durationMicros: number,
    readonly intervalMicros: number,
    changes: number,
    addColumnMidStream: boolean,
    mix: ChangeMix = 'default',
    /** The task's change counter so far: a stream that continues a task (soak days) goes on from it. */
    firstSeq = 0,
  ) {
    this.seq = firstSeq;
    const shares = MIXES[mix];
    this.steady = shares.steady;
    this.below = {
      reinsert: shares.reinsert,
      insert: shares.reinsert + shares.insert,
      update: shares.reinsert + shares.insert + shares.update,
    };
    this.streams = tables.map((state) => new TableStream(state));
    let sum = 0;
    for (let i = 0; i < tables.length; i++) {
      sum += 1 / (i + 1);
      this.cumulative.push(sum);
    }
    this.cumulative = this.cumulative.map((value) => value / sum);
    this.rng = new Rng(seed);
    this.totalChanges = changes;
    this.spanMicros = Math.max(1, durationMicros - 1000);
    this.windows = Math.ceil(durationMicros / intervalMicros);
    this.alterWindow = addColumnMidStream ? Math.floor(this.windows / 2) : -1;
  }

  get done(): boolean {
    return this.windowIndex >= this.windows;
  }

  get nextWindowEnd(): number {
    return this.startMicros + (this.windowIndex + 1) * this.intervalMicros;
  }

  /** The last change counter used (the 19-digit part of `_dms_change_seq`). */
  get lastSeq(): number {
    return this.seq;
  }

  get counters(): TableCounters[] {
    return this.streams.map((stream) => stream.counters);
  }

  /** Commit time of change `index`: regular spacing plus jitter below one step (non-decreasing). */
  private commitTime(index: number): number {
    const jitter = mix32(this.seed ^ Math.imul(index, 0x9e3779b1)) / 0x100000000 / 2;
    return this.startMicros + 1000 + Math.floor(((index + jitter) * this.spanMicros) / this.totalChanges);
  }

  /** Generates the changes committed in the next window and returns the tables that have some. */
  nextWindow(): WindowBatch {
    this.windowEnd = this.nextWindowEnd;
    const altered = this.alterWindow >= 0 && this.windowIndex >= this.alterWindow;
    if (this.windowIndex === this.alterWindow)
      for (const stream of this.streams) stream.state.takeAlterSnapshot();
    while (this.changeIndex < this.totalChanges) {
      const commit = this.commitTime(this.changeIndex);
      if (commit >= this.windowEnd) break;
      this.transaction(commit);
    }
    const tables = this.streams
      .map(({ state, buffer, counters }, index) => ({
        state,
        buffer,
        counters,
        fileTimeMillis: Math.floor(this.windowEnd / 1000) + this.fileDelayMillis(index),
      }))
      .filter(({ buffer }) => buffer.length > 0)
      .sort((a, b) => a.fileTimeMillis - b.fileTimeMillis);
    this.windowIndex++;
    return { windowEnd: this.windowEnd, altered, tables };
  }

  private transaction(commit: number): void {
    const roll = this.rng.float();
    const size = roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3;
    let previous: { stream: TableStream; key: number } | undefined;
    for (let m = 0; m < size && this.changeIndex < this.totalChanges; m++) {
      if (previous && this.rng.float() < 0.3) {
        const { stream, key } = previous;
        if (stream.state.isLive(key) && stream.state.shape.nonKey.length > 0)
          this.emit(stream, 'U', key, commit);
        else if (!stream.state.isLive(key)) this.emit(stream, 'R', key, commit);
        continue;
      }
      const stream = this.pickTable();
      previous = { stream, key: this.change(stream, commit) };
    }
  }

  private pickTable(): TableStream {
    const roll = this.rng.float();
    let index = 0;
    while (index < this.cumulative.length - 1 && (this.cumulative[index] ?? 1) <= roll) index++;
    return this.streams[index] as TableStream;
  }

  private randomLiveKey(stream: TableStream): number {
    const { state } = stream;
    for (let attempt = 0; attempt < 16 && state.liveCount > 0; attempt++) {
      const key = this.rng.int(state.nextKey);
      if (state.isLive(key)) return key;
    }
    // A steady mix deletes as often as it inserts, so after a long history most key numbers are dead;
    // scanning on from a random one still finds a live key instead of turning the change into an insert.
    if (this.steady && state.liveCount > 0) {
      for (
        let key = this.rng.int(state.nextKey), n = 0;
        n < state.nextKey;
        n++, key = (key + 1) % state.nextKey
      )
        if (state.isLive(key)) return key;
    }
    return -1;
  }

  /** One change to `stream`'s table; returns the key it touched. */
  private change(stream: TableStream, commit: number): number {
    const { state } = stream;
    const updatable = state.shape.nonKey.length > 0;
    if (stream.steadyRows < 0) stream.steadyRows = state.liveCount;
    if (stream.scriptStep === 0 && updatable && state.liveCount > 0) {
      const key = this.randomLiveKey(stream);
      if (key >= 0) {
        stream.scriptStep = 1;
        this.emit(stream, 'U', key, commit);
        return this.emit(stream, 'U', key, commit);
      }
    }
    if (stream.scriptStep === 1 && state.liveCount > 1) {
      const key = this.randomLiveKey(stream);
      if (key >= 0) {
        Object.assign(stream, { scriptStep: 2, scriptKey: key, scriptWindow: this.windowIndex });
        return this.emit(stream, 'D', key, commit);
      }
    }
    if (stream.scriptStep === 2 && this.windowIndex > stream.scriptWindow) {
      stream.scriptStep = 3;
      if (!state.isLive(stream.scriptKey)) return this.emit(stream, 'R', stream.scriptKey, commit);
    }
    const roll = this.rng.float();
    if (state.liveCount === 0) return this.emit(stream, 'I', -1, commit);
    const below = this.below;
    if (roll < below.reinsert && stream.deleted.length > 0) {
      const at = this.rng.int(stream.deleted.length);
      const key = stream.deleted[at] as number;
      stream.deleted[at] = stream.deleted[stream.deleted.length - 1] as number;
      stream.deleted.pop();
      if (!state.isLive(key)) return this.emit(stream, 'R', key, commit);
    }
    if (roll < below.insert || (!updatable && roll < below.update)) return this.emit(stream, 'I', -1, commit);
    if (roll < below.update) {
      const recent = this.rng.int(4) === 0 ? (stream.recent[this.rng.int(RECENT)] ?? -1) : -1;
      const key = recent >= 0 && state.isLive(recent) ? recent : this.randomLiveKey(stream);
      return key >= 0 ? this.emit(stream, 'U', key, commit) : this.emit(stream, 'I', -1, commit);
    }
    if (this.steady && state.liveCount < stream.steadyRows) return this.emit(stream, 'I', -1, commit);
    const key = this.randomLiveKey(stream);
    if (key < 0) return this.emit(stream, 'I', -1, commit);
    if (stream.deleted.length < POOL) stream.deleted.push(key);
    else stream.deleted[this.rng.int(POOL)] = key;
    return this.emit(stream, 'D', key, commit);
  }

  /** Applies one change (`R` = re-insert of a deleted key, written as `I`) and buffers its row. */
  private emit(stream: TableStream, op: DmsOperation | 'R', requestedKey: number, commit: number): number {
    const { state, counters, buffer } = stream;
    let key = requestedKey;
    if (op === 'I') key = state.insertNew();
    else if (op === 'U') state.update(key);
    else if (op === 'R') {
      state.reinsert(key);
      counters.reinserts++;
    }
    const written: DmsOperation = op === 'R' ? 'I' : op;
    buffer.push(written, key, state.version[key] ?? 0, state.base[key] ?? 0, commit, ++this.seq);
    if (op === 'D') state.delete(key);
    counters[written]++;
    stream.recent[stream.recentAt++ % RECENT] = key;
    this.changeIndex++;
    return key;
  }

  /** Deterministic delay (ms) between a window's end and the moment DMS writes a table's file. */
  private fileDelayMillis(tableIndex: number): number {
    return 20 + (hash4(this.seed, this.windowIndex, tableIndex, 0xf11e) % 900);
  }
}

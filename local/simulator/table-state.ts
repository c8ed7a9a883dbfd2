import { dmsHashMask } from '../../lambdas/shared/dms/hash-mask.js';
import { truncatedLobValue } from './lob.js';
import { hash4, Rng } from './prng.js';
import type { SimColumn, TableShape } from './table-model.js';
import { generateValue, keyComponentValue, type SimValue, type ValueContext } from './values.js';

/**
 * The live state of one simulated table, a few integers per key: the row's version (bumped by
 * every update and re-insert), the version its current incarnation was inserted at, and whether it
 * exists. Row content is recomputed from (key, version) on demand — see prng.ts.
 *
 * An UPDATE at version v changes column c when hash(key, v, c) says so (about one column in three,
 * always at least one), so a column keeps its value across updates that do not touch it.
 */
const KEY_RADIX = 16;
const NULL_PERCENT = 10;
const ADDED_NULL_PERCENT = 30;

export class TableState {
  nextKey = 0;
  liveCount = 0;
  version = new Int32Array(1024);
  base = new Int32Array(1024);
  live = new Uint8Array(1024);
  /** Versions at the moment of the ALTER TABLE ADD COLUMN; undefined before it. */
  alterSnapshot: Int32Array | undefined;
  private readonly rng = new Rng();

  constructor(
    readonly shape: TableShape,
    private readonly context: ValueContext,
  ) {}

  /** Allocates the next key number as a new live row (version 0). */
  insertNew(): number {
    const key = this.nextKey++;
    if (key >= this.version.length) this.grow();
    this.version[key] = 0;
    this.base[key] = 0;
    this.live[key] = 1;
    this.liveCount++;
    return key;
  }

  update(key: number): void {
    this.version[key] = (this.version[key] ?? 0) + 1;
  }

  delete(key: number): void {
    this.live[key] = 0;
    this.liveCount--;
  }

  reinsert(key: number): void {
    const version = (this.version[key] ?? 0) + 1;
    this.version[key] = version;
    this.base[key] = version;
    this.live[key] = 1;
    this.liveCount++;
  }

  isLive(key: number): boolean {
    return this.live[key] === 1;
  }

  takeAlterSnapshot(): void {
    this.alterSnapshot = this.version.slice(0, this.nextKey);
  }

  private grow(): void {
    const size = this.version.length * 2;
    const version = new Int32Array(size);
    version.set(this.version);
    const base = new Int32Array(size);
    base.set(this.base);
    const live = new Uint8Array(size);
    live.set(this.live);
    Object.assign(this, { version, base, live });
  }

  private changes(key: number, version: number, column: number): boolean {
    const { seed, nonKey } = this.shape;
    if (hash4(seed ^ 0x5bd1e995, key, version, column) % 3 === 0) return true;
    return nonKey[hash4(seed ^ 0x27d4eb2f, key, version, -1) % nonKey.length] === column;
  }

  /** Component `index` of key number `key` (1-based, monotonic in `key`). */
  private keyComponent(key: number, index: number): number {
    const count = this.shape.primaryKey.length;
    if (count === 1) return key + 1;
    const shift = KEY_RADIX ** (count - 1 - index);
    return index === 0 ? Math.floor(key / shift) + 1 : (Math.floor(key / shift) % KEY_RADIX) + 1;
  }

  /**
   * Value of table column `index` for the row `key` at `version` of the incarnation inserted at
   * `base`, as DMS writes it: a hashed column carries the hash of the source's value (ADR 0038).
   */
  value(column: SimColumn, index: number, key: number, version: number, base: number): SimValue {
    const value = this.sourceValue(column, index, key, version, base);
    return column.hashed && typeof value === 'string' ? dmsHashMask(value) : value;
  }

  /** The value the source row holds, before any DMS masking. */
  sourceValue(column: SimColumn, index: number, key: number, version: number, base: number): SimValue {
    if (column.keyIndex >= 0) {
      return keyComponentValue(column.type, this.keyComponent(key, column.keyIndex), this.context);
    }
    const changedAt = this.changedAt(index, key, version, base);
    const rng = this.rng.reseed(hash4(this.shape.seed, key, changedAt, index));
    if (column.nullable && rng.int(100) < NULL_PERCENT) return null;
    const range = this.context.foreignKeyRange ?? 0;
    if (column.foreignKey && range > 0) return 1 + rng.int(range);
    if (this.oversizedLobBytes(column, index, key, changedAt) !== undefined) {
      return truncatedLobValue(column.type, this.shape.lobLimitBytes);
    }
    // A value written before an ALTER … MODIFY keeps what it was, in the wider type.
    const widened = column.widenedFrom;
    if (widened?.writtenBefore(key, changedAt))
      return widened.convert(generateValue(widened.type, rng, this.context));
    return generateValue(column.type, rng, this.context);
  }

  /** The source length of a LOB that `value` returns cut at LobMaxSize, or undefined. */
  truncatedLobBytes(column: SimColumn, index: number, key: number, version: number, base: number) {
    if (column.keyIndex >= 0 || this.shape.oversizedLobEvery === 0) return undefined;
    const changedAt = this.changedAt(index, key, version, base);
    const rng = this.rng.reseed(hash4(this.shape.seed, key, changedAt, index));
    if (column.nullable && rng.int(100) < NULL_PERCENT) return undefined;
    return this.oversizedLobBytes(column, index, key, changedAt);
  }

  /** The version whose write last set this column (updates change about one column in three). */
  private changedAt(index: number, key: number, version: number, base: number): number {
    for (let v = version; v > base; v--) if (this.changes(key, v, index)) return v;
    return base;
  }

  /** A separate hash from the value's, so turning oversized LOBs on changes no other value. */
  private oversizedLobBytes(column: SimColumn, index: number, key: number, changedAt: number) {
    const { oversizedLobEvery: every, lobLimitBytes: limit, seed } = this.shape;
    const capacity = column.lobCapacity;
    if (every === 0 || capacity === undefined || capacity <= limit) return undefined;
    const draw = hash4(seed ^ 0x10b5, key, changedAt, index);
    if (draw % every !== 0) return undefined;
    return Math.min(capacity, limit + 1 + (Math.floor(draw / every) % limit));
  }

  /** Value of the column added mid-stream: NULL until the row is written after the ALTER. */
  addedValue(key: number, version: number, base: number): SimValue {
    const index = this.shape.columns.length;
    const before =
      this.alterSnapshot && key < this.alterSnapshot.length ? (this.alterSnapshot[key] ?? -1) : -1;
    const lowest = Math.max(base, before + 1);
    for (let v = version; v >= lowest; v--) {
      if (v === base || this.changes(key, v, index) || hash4(this.shape.seed, key, v, -2) % 2 === 0) {
        const rng = this.rng.reseed(hash4(this.shape.seed, key, v, index));
        if (rng.int(100) < ADDED_NULL_PERCENT) return null;
        return generateValue(this.shape.addedColumn.type, rng, this.context);
      }
    }
    return null;
  }
}

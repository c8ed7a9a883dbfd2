/**
 * Deterministic randomness for the simulator. Values are a pure function of a hash of
 * (table seed, key, version, column), so a row can be recomputed at any version without storing it:
 * the simulator keeps only a few integers per key, which is what lets a full day at the reference
 * scale (tens of millions of changes) fit in memory.
 */

/** murmur3 finalizer: a cheap, well-mixed 32-bit hash step. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash4(seed: number, a: number, b: number, c: number): number {
  let h = mix32(seed ^ 0x9e3779b9);
  h = mix32(h ^ (a | 0) ^ Math.floor(a / 0x100000000));
  h = mix32(h ^ (b | 0));
  return mix32(h ^ (c | 0));
}

/** mulberry32: a tiny seedable PRNG, reseeded in place to avoid allocating one per value. */
export class Rng {
  private state = 0;

  constructor(seed = 0) {
    this.reseed(seed);
  }

  reseed(seed: number): this {
    this.state = seed >>> 0;
    return this;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 0x100000000;
  }

  /** Uniform integer in [0, n); n may exceed 2^32 (up to 2^53). */
  int(n: number): number {
    if (n <= 0x100000000) return Math.floor(this.float() * n);
    return Math.floor(((this.next() * 0x100000000 + this.next()) / 0x10000000000000000) * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

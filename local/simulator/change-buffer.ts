import type { DmsOperation } from '../../lambdas/shared/columns.js';

/** The changes of one table waiting for its next CDC file, held column-wise as plain numbers. */
export class ChangeBuffer {
  ops: DmsOperation[] = [];
  keys: number[] = [];
  versions: number[] = [];
  bases: number[] = [];
  /** Commit time, microseconds since the epoch. */
  commits: number[] = [];
  /** Change counter of the task (the 19-digit part of `_dms_change_seq`). */
  seqs: number[] = [];

  get length(): number {
    return this.ops.length;
  }

  push(op: DmsOperation, key: number, version: number, base: number, commit: number, seq: number): void {
    this.ops.push(op);
    this.keys.push(key);
    this.versions.push(version);
    this.bases.push(base);
    this.commits.push(commit);
    this.seqs.push(seq);
  }

  /** Keys that appear more than once (several changes to one key inside one file). */
  repeatedKeys(): number {
    const seen = new Set<number>();
    const repeated = new Set<number>();
    for (const key of this.keys) {
      if (seen.has(key)) repeated.add(key);
      else seen.add(key);
    }
    return repeated.size;
  }

  clear(): void {
    this.ops.length = 0;
    this.keys.length = 0;
    this.versions.length = 0;
    this.bases.length = 0;
    this.commits.length = 0;
    this.seqs.length = 0;
  }
}

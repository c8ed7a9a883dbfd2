import type { RowGroupRange } from '../shared/messages.js';
import type { RowGroupSize } from '../shared/parquet/footer.js';

/**
 * How much of a file one loader invocation streams into a CDC table: a range closes before it would
 * pass either limit (a single row group above them is a range of its own). The defaults keep a range
 * far inside the 300 s function timeout on the slowest share of CPU a range gets (ADR 0045):
 * 250,000 rows at the measured streaming rate of one Lambda at 1,024 MB shared by 4 files at once
 * take well under a minute (docs/performance.md, "Big files to a CDC table").
 */
export interface RangeLimits {
  maxRows: number;
  /** Uncompressed bytes (`total_byte_size` of the row groups). */
  maxBytes: number;
}

export const DEFAULT_RANGE_LIMITS: RangeLimits = { maxRows: 250_000, maxBytes: 128 * 1024 * 1024 };

/** Consecutive row groups `[start, end)` within `limits`; covers `[from, to)` exactly, in order. */
export function planRowGroupRanges(
  sizes: readonly RowGroupSize[],
  limits: RangeLimits,
  from = 0,
  to = sizes.length,
): RowGroupRange[] {
  const ranges: RowGroupRange[] = [];
  let start = from;
  let rows = 0;
  let bytes = 0;
  for (let index = from; index < to; index++) {
    const size = sizes[index] ?? { rows: 0, bytes: 0 };
    if (index > start && (rows + size.rows > limits.maxRows || bytes + size.bytes > limits.maxBytes)) {
      ranges.push({ start, end: index });
      start = index;
      rows = 0;
      bytes = 0;
    }
    rows += size.rows;
    bytes += size.bytes;
  }
  if (to > start) ranges.push({ start, end: to });
  return ranges;
}

export function validateRangeLimits(limits: RangeLimits): RangeLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`rangeLimits.${name} must be a positive integer, got ${value}`);
    }
  }
  return limits;
}

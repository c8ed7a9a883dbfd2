import { describe, expect, it } from 'vitest';
import { planRowGroupRanges, validateRangeLimits } from '../../lambdas/loader/row-group-ranges.js';

const groups = (...rows: number[]) => rows.map((count) => ({ rows: count, bytes: count * 100 }));

describe('planRowGroupRanges at the edges', () => {
  it('gives an oversized first row group a range of its own, never an empty range before it', () => {
    // Prepare: the first group alone is above the row limit, so the check meets it at the range's start.
    const sizes = groups(50, 5);

    // Act
    const ranges = planRowGroupRanges(sizes, { maxRows: 25, maxBytes: 1_000_000 });

    // Assess
    expect(ranges).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 2 },
    ]);
  });

  it('gives an oversized row group at `from` a range of its own when planning from the middle', () => {
    // Prepare
    const sizes = groups(5, 5, 90, 5, 5);

    // Act
    const ranges = planRowGroupRanges(sizes, { maxRows: 1_000, maxBytes: 2_000 }, 2, 5);

    // Assess
    expect(ranges).toEqual([
      { start: 2, end: 3 },
      { start: 3, end: 5 },
    ]);
  });
});

describe('validateRangeLimits at the edges', () => {
  it('accepts 1, the smallest positive integer, for both limits', () => {
    // Prepare
    const limits = { maxRows: 1, maxBytes: 1 };

    // Act
    const validated = validateRangeLimits(limits);

    // Assess
    expect(validated).toEqual({ maxRows: 1, maxBytes: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { planRowGroupRanges, validateRangeLimits } from '../../lambdas/loader/row-group-ranges.js';

const groups = (...rows: number[]) => rows.map((count) => ({ rows: count, bytes: count * 100 }));

describe('planRowGroupRanges', () => {
  it('keeps a file within the limits in one range', () => {
    // Prepare
    const sizes = groups(10, 10, 10);

    // Act
    const ranges = planRowGroupRanges(sizes, { maxRows: 30, maxBytes: 1_000_000 });

    // Assess
    expect(ranges).toEqual([{ start: 0, end: 3 }]);
  });

  it('closes a range before it would pass the row limit, and gives an oversized group its own', () => {
    // Prepare
    const sizes = groups(10, 10, 10, 50, 5);

    // Act
    const ranges = planRowGroupRanges(sizes, { maxRows: 25, maxBytes: 1_000_000 });

    // Assess
    expect(ranges).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 3 },
      { start: 3, end: 4 },
      { start: 4, end: 5 },
    ]);
  });

  it('closes a range on the byte limit and covers only [from, to)', () => {
    // Prepare
    const sizes = groups(10, 10, 10, 10, 10, 10);

    // Act
    const ranges = planRowGroupRanges(sizes, { maxRows: 1_000, maxBytes: 2_000 }, 1, 6);

    // Assess
    expect(ranges).toEqual([
      { start: 1, end: 3 },
      { start: 3, end: 5 },
      { start: 5, end: 6 },
    ]);
  });

  it('plans nothing for a file without row groups', () => {
    // Prepare
    const sizes = groups();

    // Act
    const ranges = planRowGroupRanges(sizes, { maxRows: 1, maxBytes: 1 });

    // Assess
    expect(ranges).toEqual([]);
  });
});

describe('validateRangeLimits', () => {
  it('names the limit that is not a positive integer', () => {
    // Prepare
    const limits = { maxRows: 0, maxBytes: 10 };

    // Act
    const validate = () => validateRangeLimits(limits);

    // Assess
    expect(validate).toThrow('rangeLimits.maxRows must be a positive integer, got 0');
  });
});

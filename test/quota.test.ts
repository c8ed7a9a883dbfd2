import { describe, expect, it } from 'vitest';
import { describeBudget, loadJobBudget, minimumSafeInterval } from '../lambdas/shared/quota.js';

describe('loadJobBudget', () => {
  it.each([
    { interval: 60, cdcFiles: 1440, retries: 288, worstCase: 1778, withinGuard: false },
    { interval: 80, cdcFiles: 1080, retries: 216, worstCase: 1346, withinGuard: true },
    { interval: 79, cdcFiles: 1094, retries: 219, worstCase: 1363, withinGuard: false },
    { interval: 90, cdcFiles: 960, retries: 192, worstCase: 1202, withinGuard: true },
    { interval: 3600, cdcFiles: 24, retries: 5, worstCase: 79, withinGuard: true },
  ])('counts $interval s as $worstCase jobs', ({ interval, ...expected }) => {
    // Act
    const budget = loadJobBudget(interval);

    // Assess
    expect(budget).toMatchObject({ ...expected, guard: 1350, fullLoadFiles: 50 });
  });

  it('finds the shortest safe interval at the boundary', () => {
    // Act
    const minimum = minimumSafeInterval();

    // Assess
    expect(minimum).toBe(80);
  });

  it('prints the arithmetic', () => {
    // Act
    const text = describeBudget(loadJobBudget(90));

    // Assess
    expect(text).toBe(
      "86,400 s / 90 s = 960 CDC files per table per day + 192 retries (20 %) + 50 full-load files = 1,202 load jobs; the guard is 1,350 (90 % of BigQuery's 1,500 load jobs per table per day)",
    );
  });
});

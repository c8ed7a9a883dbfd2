import { describe, expect, it } from 'vitest';
import { Deadline, TimeBudgetError } from '../../lambdas/shared/bigquery/deadline.js';

/** The Deadline at its edges: nothing is left at the deadline itself, and a wait may not reach it. */
describe('Deadline', () => {
  it('refuses to start work when exactly nothing is left, naming the work', () => {
    // Prepare
    const deadline = new Deadline(1_000, () => 1_000);

    // Act
    const checking = () => deadline.check('the upload');

    // Assess
    expect(checking).toThrow(TimeBudgetError);
    expect(checking).toThrow(
      expect.objectContaining({
        name: 'TimeBudgetError',
        message: 'out of time before the upload; the record will be retried',
      }),
    );
  });

  it('lets work start with one millisecond left', () => {
    // Prepare
    const deadline = new Deadline(1_000, () => 999);

    // Act
    const checking = () => deadline.check('the upload');

    // Assess
    expect(checking).not.toThrow();
  });

  it('refuses a sleep of exactly the remaining time, with the wait named in its message', async () => {
    // Prepare
    const deadline = new Deadline(1_000, () => 900);

    // Act
    const sleeping = deadline.sleep(100, 'retry the upload');

    // Assess
    await expect(sleeping).rejects.toThrow(
      expect.objectContaining({
        name: 'TimeBudgetError',
        message: 'out of time while waiting to retry the upload; the record will be retried',
      }),
    );
  });

  it('sleeps one millisecond less than the remaining time', async () => {
    // Prepare
    const deadline = new Deadline(1_000, () => 900);

    // Act
    const sleeping = deadline.sleep(99, 'retry the upload');

    // Assess
    await expect(sleeping).resolves.toBeUndefined();
  });
});

describe('TimeBudgetError', () => {
  it('is named after its class, so logs and metrics tell it from other failures', () => {
    // Act
    const error = new TimeBudgetError('x');

    // Assess
    expect(error.name).toBe('TimeBudgetError');
    expect(String(error)).toBe('TimeBudgetError: x');
  });
});

import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../../lambdas/loader/gate.js';
import { backoffDelay, Deadline, TimeBudgetError } from '../../lambdas/shared/bigquery/deadline.js';

const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

describe('backoffDelay', () => {
  describe.each([
    [0, 50, 100],
    [2, 200, 400],
    [10, 500, 1_000],
  ])('attempt %i', (attempt, low, high) => {
    it(`lies between ${low} and ${high} ms`, () => {
      // Prepare
      const extremes = [() => 0, () => 0.999999];

      // Act
      const delays = extremes.map((random) => backoffDelay(attempt, policy, random));

      // Assess
      expect(delays[0]).toBe(low);
      expect(delays[1]).toBe(high);
    });
  });
});

describe('Deadline', () => {
  it('refuses a sleep that would end after it', async () => {
    // Prepare
    const deadline = new Deadline(1_000, () => 900);

    // Act
    const sleeping = deadline.sleep(200, 'retry');

    // Assess
    await expect(sleeping).rejects.toBeInstanceOf(TimeBudgetError);
  });

  it('keeps the reserve out of the remaining time', () => {
    // Prepare
    const now = () => 10_000;

    // Act
    const deadline = Deadline.fromRemaining(60_000, 5_000, now);

    // Assess
    expect(deadline.remainingMs()).toBe(55_000);
  });
});

describe('ConcurrencyGate', () => {
  it('never runs more tasks at once than its limit', async () => {
    // Prepare
    const gate = new ConcurrencyGate(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    };

    // Act
    await Promise.all(Array.from({ length: 7 }, () => gate.run(task)));

    // Assess
    expect(peak).toBe(2);
  });

  it('frees the slot of a task that failed', async () => {
    // Prepare
    const gate = new ConcurrencyGate(1);
    const failing = gate.run(async () => {
      throw new Error('boom');
    });

    // Act
    const [first, second] = await Promise.allSettled([failing, gate.run(async () => 'next')]);

    // Assess
    expect(first.status).toBe('rejected');
    expect(second).toEqual({ status: 'fulfilled', value: 'next' });
  });
});

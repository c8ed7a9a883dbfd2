import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../../lambdas/loader/gate.js';

describe('ConcurrencyGate limits', () => {
  it.each([
    [0, 'concurrency must be a positive integer, got 0'],
    [-2, 'concurrency must be a positive integer, got -2'],
    [1.5, 'concurrency must be a positive integer, got 1.5'],
    [Number.NaN, 'concurrency must be a positive integer, got NaN'],
  ])('refuses a limit of %s, naming it', (limit, message) => {
    // Prepare
    const build = () => new ConcurrencyGate(limit);

    // Act + Assess
    expect(build).toThrow(message);
  });

  it('accepts a limit of 1', () => {
    // Prepare + Act
    const gate = new ConcurrencyGate(1);

    // Assess
    expect(gate.limit).toBe(1);
  });
});

describe('ConcurrencyGate slots', () => {
  it('gives the slot of a finished task back, so the next task starts at once', async () => {
    // Prepare: a gate of one whose only slot was used and released, with nothing waiting.
    const gate = new ConcurrencyGate(1);
    await gate.run(async () => 'first');
    const started: string[] = [];

    // Act: `run` calls the task before its first await when a slot is free.
    const second = gate.run(async () => {
      started.push('second');
    });

    // Assess
    expect(started).toEqual(['second']);
    await second;
  });
});

import { describe, expect, it } from 'vitest';
import { planDeliveries, seededRandom, validateNotifierOptions } from '../../local/aws/delivery-plan.js';

const events = Array.from({ length: 50 }, (_, i) => `e${i}`);

describe('planDeliveries', () => {
  it('sends each event once by default, in order', () => {
    // Act
    const planned = planDeliveries(events, {}, seededRandom(1));

    // Assess
    expect(planned).toEqual(events);
  });

  it('makes the same decisions for the same seed', () => {
    // Prepare
    const options = { duplicateProbability: 0.3, shuffle: true };

    // Act
    const first = planDeliveries(events, options, seededRandom(99));
    const second = planDeliveries(events, options, seededRandom(99));

    // Assess
    expect(second).toEqual(first);
  });

  it('shuffles without losing or adding events', () => {
    // Act
    const planned = planDeliveries(events, { shuffle: true }, seededRandom(5));

    // Assess
    expect([...planned].sort()).toEqual([...events].sort());
    expect(planned).not.toEqual(events);
  });

  it('adds at most one copy per event at the duplicate probability', () => {
    // Act
    const planned = planDeliveries(events, { duplicateProbability: 0.5 }, seededRandom(3));

    // Assess
    const counts = events.map((event) => planned.filter((p) => p === event).length);
    expect(Math.min(...counts)).toBe(1);
    expect(Math.max(...counts)).toBe(2);
  });
});

describe.each([
  [{ deliveries: 0 }, /notifier\.deliveries/],
  [{ deliveries: 1.5 }, /notifier\.deliveries/],
  [{ duplicateProbability: 1.2 }, /notifier\.duplicateProbability/],
  [{ shuffleWindowMs: -1 }, /notifier\.shuffleWindowMs/],
])('validateNotifierOptions(%o)', (options, message) => {
  it('refuses the option, naming it', () => {
    // Act
    const validate = () => validateNotifierOptions(options);

    // Assess
    expect(validate).toThrow(message);
  });
});

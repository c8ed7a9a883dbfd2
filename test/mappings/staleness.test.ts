import { describe, expect, it } from 'vitest';
import {
  intervalValueSeconds,
  maxStalenessInterval,
  stalenessDdl,
  stalenessProblem,
} from '../../lambdas/shared/mappings/staleness.js';

describe('maxStaleness', () => {
  it.each([
    ['30s', '0-0 0 0:0:30'],
    ['15m', '0-0 0 0:15:0'],
    ['90m', '0-0 0 1:30:0'],
    ['1h', '0-0 0 1:0:0'],
    ['36h', '0-0 1 12:0:0'],
    ['1d', '0-0 1 0:0:0'],
  ])('turns %s into the IntervalValue %s', (text, interval) => {
    // Act
    const value = maxStalenessInterval(text);

    // Assess
    expect(value).toBe(interval);
  });

  it.each([
    ['0-0 0 0:15:0', 900],
    ['0-0 0 0:15:0.000', 900],
    ['0-0 1 12:0:0', 129_600],
    ['0-1 0 0:0:0', undefined],
    ['15 minutes', undefined],
  ])('reads the IntervalValue %s back as %s seconds', (text, seconds) => {
    // Act
    const value = intervalValueSeconds(text);

    // Assess
    expect(value).toBe(seconds);
  });

  it.each([
    ['10m', 'INTERVAL 10 MINUTE'],
    ['45s', 'INTERVAL 45 SECOND'],
    ['2h', 'INTERVAL 2 HOUR'],
    ['1d', 'INTERVAL 1 DAY'],
  ])('writes %s as the DDL %s', (text, ddl) => {
    // Act
    const value = stalenessDdl(text);

    // Assess
    expect(value).toBe(ddl);
  });

  it('finds nothing wrong with a positive staleness', () => {
    // Act
    const problem = stalenessProblem('15m');

    // Assess
    expect(problem).toBeUndefined();
  });

  it('names a malformed staleness and the format', () => {
    // Act
    const problem = stalenessProblem('15 minutes');

    // Assess
    expect(problem).toBe(
      '"15 minutes" is not a staleness; write a whole number followed by s, m, h or d, e.g. "15m"',
    );
  });
});

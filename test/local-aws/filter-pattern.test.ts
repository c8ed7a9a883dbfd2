import { describe, expect, it } from 'vitest';
import {
  matchesFilterPattern,
  UnsupportedFilterPatternError,
} from '../../local/cloudwatch-logs/filter-pattern.js';

describe('CloudWatch Logs filter patterns (unstructured terms)', () => {
  it.each([
    ['ERROR', 'an ERROR here', true],
    ['ERROR', 'an error here', false],
    ['ERROR Exception', 'ERROR: NullPointerException', true],
    ['ERROR Exception', 'ERROR only', false],
    ['"]W:" "was truncated to"', '[X]W:  a was truncated to b', true],
    ['"was truncated to"', 'was  truncated to', false],
  ])('%s on "%s" is %s', (pattern, event, expected) => {
    // Act
    const matched = matchesFilterPattern(pattern, event);

    // Assess
    expect(matched).toBe(expected);
  });

  it.each(['?ERROR ?WARN', '-DEBUG', '{ $.level = "x" }', '[ip, user]', '%err%', '"open'])(
    'rejects syntax it does not implement: %s',
    (pattern) => {
      // Act
      const match = () => matchesFilterPattern(pattern, 'anything');

      // Assess
      expect(match).toThrow(UnsupportedFilterPatternError);
    },
  );
});

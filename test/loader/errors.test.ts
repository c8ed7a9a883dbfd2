import { describe, expect, it } from 'vitest';
import {
  failureReason,
  isAlreadyExists,
  isTransientError,
  isTransientJobError,
} from '../../lambdas/shared/bigquery/errors.js';

/** The shape of `ApiError` from @google-cloud/common. */
const apiError = (code: number, reason?: string) =>
  Object.assign(new Error(`HTTP ${code}`), { code, errors: reason ? [{ reason, message: reason }] : [] });
const networkError = (code: string) => Object.assign(new Error(`request failed, reason: ${code}`), { code });

describe('isTransientError', () => {
  describe.each([
    ['503', apiError(503, 'backendError'), true],
    ['500 without reason', apiError(500), true],
    ['429', apiError(429), true],
    ['403 rateLimitExceeded', apiError(403, 'rateLimitExceeded'), true],
    ['403 quotaExceeded', apiError(403, 'quotaExceeded'), false],
    ['400 invalid', apiError(400, 'invalid'), false],
    ['404', apiError(404, 'notFound'), false],
    ['a connection reset', networkError('ECONNRESET'), true],
    [
      'a lost response',
      Object.assign(new Error('socket hang up'), { name: 'FetchError', type: 'system' }),
      true,
    ],
    ['an S3 throttle', Object.assign(new Error('SlowDown'), { $retryable: { throttling: true } }), true],
    ['a plain bug', new TypeError('x is undefined'), false],
  ])('%s', (_name, error, transient) => {
    it(`is ${transient ? '' : 'not '}transient`, () => {
      // Prepare
      const candidate = error;

      // Act
      const verdict = isTransientError(candidate);

      // Assess
      expect(verdict).toBe(transient);
    });
  });
});

describe('isTransientJobError', () => {
  describe.each([
    ['backendError', true],
    ['internalError', true],
    ['rateLimitExceeded', true],
    ['invalid', false],
    ['quotaExceeded', false],
  ])('a job that failed with %s', (reason, transient) => {
    it(`is ${transient ? '' : 'not '}worth a next generation in this delivery`, () => {
      // Prepare
      const errorResult = { reason, message: 'x' };

      // Act
      const verdict = isTransientJobError(errorResult);

      // Assess
      expect(verdict).toBe(transient);
    });
  });
});

describe('isAlreadyExists', () => {
  it('recognizes the 409 of jobs.insert', () => {
    // Prepare
    const error = apiError(409, 'duplicate');

    // Act
    const verdict = isAlreadyExists(error);

    // Assess
    expect(verdict).toBe(true);
  });
});

describe('failureReason', () => {
  describe.each([
    ['the first API reason', apiError(400, 'invalid'), 'invalid'],
    ['the error class', new RangeError('x'), 'RangeError'],
    ['the network code', networkError('ECONNRESET'), 'ECONNRESET'],
    ['the HTTP status', apiError(502), 'HTTP502'],
  ])('is %s', (_name, error, reason) => {
    it(`gives ${reason}`, () => {
      // Prepare
      const candidate = error;

      // Act
      const label = failureReason(candidate);

      // Assess
      expect(label).toBe(reason);
    });
  });
});

import { once } from 'node:events';
import { type AddressInfo, connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import fetch, { FetchError } from 'node-fetch';
import { describe, expect, it } from 'vitest';
import {
  apiErrorReasons,
  failureReason,
  isAlreadyExists,
  isTransientError,
} from '../../lambdas/shared/bigquery/errors.js';

/**
 * The error classification with the shapes the clients really raise: ApiError of
 * @google-cloud/common (`code`, `errors[]`), node-fetch 3's FetchError (the transport of
 * teeny-request and gaxios), Node's socket errors, the TimeoutError of the AWS SDK's HTTP handler
 * and of `AbortSignal.timeout`, and values that are not errors at all (`throw undefined`).
 */

/** The shape of `ApiError` from @google-cloud/common. */
const apiError = (code: number | undefined, errors: unknown[]) =>
  Object.assign(new Error(code === undefined ? 'failed' : `HTTP ${code}`), { code, errors });

/** What Node raises for a connection to a port nobody listens on. */
async function connectionRefused(): Promise<Error> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  const socket = connect(port, '127.0.0.1');
  const [error] = (await once(socket, 'error').catch((e: unknown) => [e])) as [Error];
  return error;
}

/** What node-fetch raises when the server answers something that is not HTTP. */
async function garbledResponse(): Promise<unknown> {
  const server = createServer((socket) => socket.end('this is not HTTP\r\n\r\n'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await fetch(`http://127.0.0.1:${port}/bigquery/v2/projects/p/jobs`).then(
      () => undefined,
      (error: unknown) => error,
    );
  } finally {
    server.close();
  }
}

describe('isTransientError', () => {
  describe.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'boom'],
    ['a number', 42],
  ])('of a thrown %s', (_name, value) => {
    it('is not transient, and its failure reason is Error', () => {
      // Act
      const verdict = isTransientError(value);
      const reason = failureReason(value);

      // Assess
      expect(verdict).toBe(false);
      expect(reason).toBe('Error');
    });
  });

  it('is transient for a refused connection, whose message does not say so', async () => {
    // Prepare
    const error = await connectionRefused();
    expect(error).toMatchObject({
      code: 'ECONNREFUSED',
      message: expect.stringMatching(/^connect ECONNREFUSED/),
    });

    // Act
    const verdict = isTransientError(error);

    // Assess
    expect(verdict).toBe(true);
    expect(failureReason(error)).toBe('ECONNREFUSED');
  });

  it('is transient for any FetchError of node-fetch, whatever its code', async () => {
    // Prepare
    const error = await garbledResponse();
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toMatchObject({ name: 'FetchError', type: 'system', code: 'HPE_INVALID_CONSTANT' });

    // Act
    const verdict = isTransientError(error);

    // Assess
    expect(verdict).toBe(true);
    expect(failureReason(error)).toBe('FetchError');
  });

  it('is transient for the socket timeout of the AWS SDK HTTP handler', () => {
    // Prepare: as @smithy/node-http-handler raises it.
    const error = Object.assign(
      new Error(
        '@smithy/node-http-handler - the request socket timed out after 1000 ms of inactivity (configured by client requestHandler).',
      ),
      { name: 'TimeoutError' },
    );

    // Act
    const verdict = isTransientError(error);

    // Assess
    expect(verdict).toBe(true);
  });

  it('is transient for the reason of an AbortSignal.timeout', async () => {
    // Prepare
    const signal = AbortSignal.timeout(1);
    await sleep(20);
    const error: unknown = signal.reason;
    expect(error).toMatchObject({ name: 'TimeoutError' });

    // Act
    const verdict = isTransientError(error);

    // Assess
    expect(verdict).toBe(true);
    expect(failureReason(error)).toBe('TimeoutError');
  });

  describe.each([
    [
      'next to rateLimitExceeded',
      apiError(403, [{ reason: 'rateLimitExceeded' }, { reason: 'quotaExceeded' }]),
    ],
    ['with HTTP 429', apiError(429, [{ reason: 'quotaExceeded', message: 'Quota exceeded' }])],
    ['with HTTP 503', apiError(503, [{ reason: 'quotaExceeded', message: 'Quota exceeded' }])],
  ])('quotaExceeded %s', (_name, error) => {
    it('is not transient: the quota lasts until it resets', () => {
      // Act
      const verdict = isTransientError(error);

      // Assess
      expect(verdict).toBe(false);
    });
  });
});

describe('apiErrorReasons', () => {
  it('keeps only the non-empty string reasons of the entries that are objects', () => {
    // Prepare
    const error = apiError(400, [
      null,
      undefined,
      'invalid',
      { message: 'no reason', domain: 'global' },
      { reason: '' },
      { reason: 42 },
      { reason: null },
      { reason: 'invalid', message: 'Error while reading data' },
      { reason: 'stopped' },
    ]);

    // Act
    const reasons = apiErrorReasons(error);

    // Assess
    expect(reasons).toEqual(['invalid', 'stopped']);
  });

  it('gives no reason of an entry that has none', () => {
    // Prepare
    const error = apiError(500, [{ message: 'Backend error', domain: 'global' }]);

    // Act
    const label = failureReason(error);

    // Assess
    expect(apiErrorReasons(error)).toEqual([]);
    expect(label).toBe('HTTP500');
  });
});

describe('isAlreadyExists', () => {
  it('recognizes the reason duplicate without an HTTP status', () => {
    // Prepare
    const error = apiError(undefined, [{ reason: 'duplicate', message: 'Already Exists: Job p:US.j' }]);

    // Act
    const verdict = isAlreadyExists(error);

    // Assess
    expect(verdict).toBe(true);
  });

  it('is false for another reason without an HTTP status', () => {
    // Prepare
    const error = apiError(undefined, [{ reason: 'invalid' }]);

    // Act
    const verdict = isAlreadyExists(error);

    // Assess
    expect(verdict).toBe(false);
  });
});

describe('failureReason', () => {
  it('is Error for a plain Error without status or reason', () => {
    // Act
    const label = failureReason(new Error('boom'));

    // Assess
    expect(label).toBe('Error');
  });
});

import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeFailure } from '../../cli/failure.js';
import { runDms2bq } from '../support/cli.js';

const failing = (error: unknown) => (program: Command) => {
  program.command('boom').action(() => {
    throw error;
  });
};

describe('describeFailure', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('keeps an unknown error to one line and names DMS2BQ_DEBUG', async () => {
    // Act
    const result = await runDms2bq([failing(new RangeError('first\nsecond'))], ['boom']);

    // Assess
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'RangeError: first second (rerun with DMS2BQ_DEBUG=1 for the stack trace)\n',
    });
  });

  it('adds the stack trace with DMS2BQ_DEBUG=1', async () => {
    // Prepare
    vi.stubEnv('DMS2BQ_DEBUG', '1');

    // Act
    const result = await runDms2bq([failing(new RangeError('bad'))], ['boom']);

    // Assess
    expect(result.stderr).toMatch(/^RangeError: bad \(rerun .*\)\nRangeError: bad\n\s+at /);
  });

  it.each([
    ['ExpiredTokenException', 400, /^AWS credentials expired \(ExpiredTokenException\): log in again/, 2],
    [
      'AccessDeniedException',
      400,
      /^AWS denied the call \(AccessDeniedException\): .*needs the permission/,
      1,
    ],
    ['ResourceNotFoundFault', 400, /^AWS call failed: ResourceNotFoundFault: gone$/, 1],
  ])('names what to do about the AWS service error %s', (name, status, line, exitCode) => {
    // Prepare
    const error = Object.assign(new Error('gone'), { name, $metadata: { httpStatusCode: status } });

    // Act
    const failure = describeFailure(error);

    // Assess
    expect(failure).toEqual({ line: expect.stringMatching(line), exitCode });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SchemaPropagationPendingError,
  untilPropagated,
} from '../../lambdas/loader/current-table/propagation.js';
import { CdcStreamError } from '../../lambdas/shared/bigquery/cdc-errors.js';
import { Deadline } from '../../lambdas/shared/bigquery/deadline.js';

/**
 * untilPropagated's edges: a wait that would end exactly when the invocation's time does is not
 * started, the error that sends the record back says why and keeps the refusal, and each wait is
 * reported with its 1-based attempt. A fixed clock and a jitter of 1 make each wait exactly the
 * policy's ceiling; nothing sleeps.
 */

const NOW = 1_000_000;
const WAIT_MS = 1_000;
const waits = { retry: { baseDelayMs: WAIT_MS, maxDelayMs: WAIT_MS }, sleep: async () => {} };
const notFound = () => new CdcStreamError('NOT_FOUND', 'Requested entity was not found.');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('untilPropagated', () => {
  it('does not start a wait as long as the time left, and sends the record back saying why', async () => {
    // Prepare
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const refusal = notFound();

    // Act
    const waiting = untilPropagated(
      async () => {
        throw refusal;
      },
      {
        deadline: new Deadline(NOW + WAIT_MS, () => NOW),
        waits,
        what: 'stream ds.t_current',
        onWait: () => {},
      },
    );

    // Assess
    const error = await waiting.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SchemaPropagationPendingError);
    expect((error as Error).name).toBe('SchemaPropagationPendingError');
    expect((error as Error).message).toBe(
      "stream ds.t_current: the Storage Write API does not know the table's latest schema change yet " +
        '(NOT_FOUND: Requested entity was not found.); waited 0 time(s), the record comes back for another try',
    );
    expect((error as Error).cause).toBe(refusal);
  });

  it('waits when the time left is a millisecond longer, reporting the first wait as attempt 1', async () => {
    // Prepare
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const reported: [string, number, number][] = [];
    let tries = 0;

    // Act
    const outcome = await untilPropagated(
      async () => {
        tries += 1;
        if (tries === 1) throw notFound();
        return 'streamed';
      },
      {
        deadline: new Deadline(NOW + WAIT_MS + 1, () => NOW),
        waits,
        what: 'stream ds.t_current',
        onWait: (refusal, waitMs, attempt) => reported.push([refusal.code, waitMs, attempt]),
      },
    );

    // Assess
    expect(outcome).toEqual({ result: 'streamed', waits: 1 });
    expect(reported).toEqual([['NOT_FOUND', WAIT_MS, 1]]);
  });
});

import type { EmulatorClock } from '../clock.js';
import { invalid } from '../errors.js';
import {
  type FaultInjector,
  JOB_FAILURE_REASONS,
  type JobFailureReason,
  type RequestMatcher,
} from '../faults.js';
import { type Router, readJson } from './router.js';

/** The clock as `/_emulator/clock` reports it. */
const clockState = (clock: EmulatorClock) => ({
  now: clock.date().toISOString(),
  offsetSeconds: clock.offsetSeconds,
});

/**
 * `/_emulator/clock`: GET reports the emulator's time; POST `{"advanceSeconds": N}` moves it (N may
 * be negative) and answers the new time. Not BigQuery's API, like LocalStack's `/_localstack/…`.
 *
 * `/_emulator/faults`: the fault injector over HTTP, for tests that run the emulator in another
 * process. POST `{ type: 'fail' | 'drop' | 'failJob' | 'slow' | 'random', method?, path?, pathRegex?, … }`
 * (`failJob` takes `reason`: backendError, internalError, invalid, quotaExceeded, rateLimitExceeded)
 * arms a fault; DELETE resets; GET reports how many fired.
 */
export function addAdminRoutes(router: Router, faults: FaultInjector, clock: EmulatorClock): void {
  router.add('GET', '/_emulator/health', async () => ({ status: 200, body: { ok: true } }));
  router.add('GET', '/_emulator/clock', async () => ({ status: 200, body: clockState(clock) }));
  router.add('POST', '/_emulator/clock', async (context) => {
    const body = await readJson(context.req);
    const seconds = body.advanceSeconds;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
      throw invalid(
        `POST /_emulator/clock needs {"advanceSeconds": N} with N a number of seconds (e.g. 86400), got ${JSON.stringify(seconds ?? null)}`,
      );
    }
    clock.advance(seconds);
    return { status: 200, body: clockState(clock) };
  });
  router.add('GET', '/_emulator/faults', async () => ({ status: 200, body: { injected: faults.injected } }));
  router.add('DELETE', '/_emulator/faults', async () => {
    faults.reset();
    return { status: 204 };
  });
  router.add('POST', '/_emulator/faults', async (context) => {
    const body = await readJson(context.req);
    const matcher: RequestMatcher = {};
    if (typeof body.method === 'string') matcher.method = body.method;
    if (typeof body.path === 'string') matcher.path = body.path;
    if (typeof body.pathRegex === 'string') matcher.path = new RegExp(body.pathRegex);
    const times = typeof body.times === 'number' ? { times: body.times } : {};
    switch (body.type) {
      case 'fail':
        faults.failNext({
          ...matcher,
          ...times,
          status: Number(body.status ?? 500),
          reason: String(body.reason ?? 'backendError'),
          ...(typeof body.message === 'string' ? { message: body.message } : {}),
        });
        break;
      case 'drop':
        faults.dropResponse({ ...matcher, ...times });
        break;
      case 'failJob':
        faults.failJob({
          ...matcher,
          ...times,
          ...(body.reason === undefined ? {} : { reason: jobFailureReason(body.reason) }),
        });
        break;
      case 'slow':
        faults.slow({ ...matcher, ...times, delayMs: Number(body.delayMs ?? 1000) });
        break;
      case 'random':
        faults.randomFailures({
          ...matcher,
          rate: Number(body.rate),
          seed: Number(body.seed ?? 1),
          ...(Array.isArray(body.statuses) ? { statuses: body.statuses.map(Number) } : {}),
        });
        break;
      default:
        throw invalid(`Unknown fault type ${String(body.type)}: use fail, drop, failJob, slow or random`);
    }
    return { status: 204 };
  });
}

function jobFailureReason(value: unknown): JobFailureReason {
  const reason = JOB_FAILURE_REASONS.find((known) => known === value);
  if (reason === undefined) {
    throw invalid(`Unknown failJob reason ${String(value)}: use ${JOB_FAILURE_REASONS.join(', ')}`);
  }
  return reason;
}

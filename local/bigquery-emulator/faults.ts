import { seededRandom } from '../shared/seeded-random.js';
/** What a request matcher looks at: the HTTP method and the path (without the query string). */
export interface RequestMatcher {
  /** e.g. 'POST'; any method when omitted. */
  method?: string;
  /** A substring of the path, or a pattern; any path when omitted. */
  path?: string | RegExp;
}

export interface FailRule extends RequestMatcher {
  status: number;
  reason: string;
  message?: string;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface CountedRule extends RequestMatcher {
  times?: number;
}

/**
 * The errorResult reasons a job ends with that the loader tells apart (BigQuery's error messages
 * table, https://cloud.google.com/bigquery/docs/error-messages): `backendError` and `internalError`
 * (retry), `invalid` (the request itself is wrong: a new job fails the same way), `quotaExceeded`
 * and `rateLimitExceeded` (quotas: the per-table load jobs a day among them).
 */
export const JOB_FAILURE_REASONS = [
  'backendError',
  'internalError',
  'invalid',
  'quotaExceeded',
  'rateLimitExceeded',
] as const;
export type JobFailureReason = (typeof JOB_FAILURE_REASONS)[number];

export interface InjectedJobFailure {
  reason: JobFailureReason;
  message: string;
  /** More entries of `status.errors` after the errorResult's own. */
  details?: string[];
}

export interface FailJobRule extends CountedRule {
  /** Default `backendError`. */
  reason?: JobFailureReason;
  message?: string;
  /**
   * Messages of further `status.errors` entries, with the same reason. BigQuery's Job resource:
   * `status.errors` holds "the first errors encountered during the running of the job", the
   * errorResult's among them; a failed load lists one per bad row or file.
   */
  details?: string[];
}

const jobFailureMessages: Record<JobFailureReason, string> = {
  backendError: 'Error encountered during execution. Retrying may solve the problem.',
  internalError: 'An internal error occurred and the request could not be completed.',
  invalid: 'Error while reading data, error message: injected by the BigQuery emulator',
  quotaExceeded:
    'Quota exceeded: Your table exceeded quota for imports or query appends per table. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
  rateLimitExceeded:
    'Exceeded rate limits: too many table update operations for this table. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
};

export interface SlowRule extends CountedRule {
  delayMs: number;
}

export interface RandomRule extends RequestMatcher {
  /** Fraction of matching requests that fail, 0..1. */
  rate: number;
  seed: number;
  /** Statuses to pick from (default 500, 503, 403): 403 comes with reason rateLimitExceeded. */
  statuses?: number[];
}

/**
 * gRPC codes a Storage Write API append can be refused with in a test, by name (google.rpc.Code
 * numbers). The transient ones, which a caller is to retry, and RESOURCE_EXHAUSTED (quota).
 */
const GRPC_CODES = {
  CANCELLED: 1,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

export interface AppendRowsFaultRule {
  code: keyof typeof GRPC_CODES;
  message?: string;
  /** How many AppendRows requests are refused (default 1). */
  times?: number;
}

/** An AppendRows response's `error` (google.rpc.Status). */
export interface AppendRowsFault {
  code: number;
  message: string;
}

/** What the server must do to one request. */
export type FaultAction =
  | { kind: 'fail'; status: number; reason: string; message: string }
  | { kind: 'drop' }
  | { kind: 'failJob'; failure: InjectedJobFailure }
  | { kind: 'slow'; delayMs: number };

interface Armed {
  matcher: RequestMatcher;
  remaining: number;
  action: FaultAction;
}

const reasons: Record<number, string> = {
  500: 'backendError',
  503: 'backendError',
  403: 'rateLimitExceeded',
  400: 'invalid',
};
const messages: Record<string, string> = {
  backendError: 'Error encountered during execution. Retrying may solve the problem.',
  rateLimitExceeded:
    'Exceeded rate limits: too many api requests per user per method for this user_method. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
  invalid: 'Invalid request (injected by the BigQuery emulator)',
};

const matches = (matcher: RequestMatcher, method: string, path: string): boolean =>
  (matcher.method === undefined || matcher.method.toUpperCase() === method) &&
  (matcher.path === undefined ||
    (typeof matcher.path === 'string' ? path.includes(matcher.path) : matcher.path.test(path)));

/**
 * Failures armed by tests: each rule applies to the next `times` matching requests, in the order
 * armed; the random mode applies to every matching request after the armed rules. `reset()` between tests.
 */
export class FaultInjector {
  private armed: Armed[] = [];
  private random:
    | { matcher: RequestMatcher; rate: number; next: () => number; statuses: number[] }
    | undefined;
  private injectedCount = 0;
  private appendFaults: { fault: AppendRowsFault; remaining: number }[] = [];

  /**
   * The next N AppendRows requests (any table, any connection) are answered with this gRPC error in
   * the response instead of being applied: nothing of theirs is written.
   */
  failAppendRows(rule: AppendRowsFaultRule): void {
    const code = GRPC_CODES[rule.code];
    if (code === undefined) {
      throw new RangeError(`code must be one of ${Object.keys(GRPC_CODES).join(', ')}, got ${rule.code}`);
    }
    const message = rule.message ?? `${rule.code}: injected by the BigQuery emulator; retrying may succeed`;
    this.appendFaults.push({ fault: { code, message }, remaining: rule.times ?? 1 });
  }

  /** Called by the Storage Write API server for every AppendRows request. */
  takeAppendRows(): AppendRowsFault | undefined {
    const entry = this.appendFaults.find((candidate) => candidate.remaining > 0);
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    this.appendFaults = this.appendFaults.filter((candidate) => candidate.remaining > 0);
    this.injectedCount += 1;
    return entry.fault;
  }

  /** The next N matching requests answer `status` with BigQuery's error body and `reason`. */
  failNext(rule: FailRule): void {
    const message = rule.message ?? messages[rule.reason] ?? `Injected ${rule.reason}`;
    this.arm(rule, { kind: 'fail', status: rule.status, reason: rule.reason, message });
  }

  /** The request is processed (a job is created) but the connection is destroyed instead of answered. */
  dropResponse(rule: CountedRule = {}): void {
    this.arm(rule, { kind: 'drop' });
  }

  /**
   * The next N job inserts matching (default: any job insert or upload) are accepted, then end DONE
   * with `errorResult.reason` = `rule.reason` (default backendError) and nothing written.
   */
  failJob(rule: FailJobRule = {}): void {
    const { reason = 'backendError', message, details, ...counted } = rule;
    const failure = {
      reason,
      message: message ?? jobFailureMessages[reason],
      ...(details ? { details } : {}),
    };
    this.arm({ method: 'POST', path: /\/jobs$/, ...counted }, { kind: 'failJob', failure });
  }

  /** Delays the response of the next N matching requests. */
  slow(rule: SlowRule): void {
    this.arm(rule, { kind: 'slow', delayMs: rule.delayMs });
  }

  /** Fails a seeded fraction of matching requests with 500/503/403 until reset. */
  randomFailures(rule: RandomRule): void {
    if (!(rule.rate >= 0 && rule.rate <= 1))
      throw new RangeError(`rate must be between 0 and 1, got ${rule.rate}`);
    const { rate, seed, statuses = [500, 503, 403], ...matcher } = rule;
    this.random = { matcher, rate, next: seededRandom(seed), statuses };
  }

  reset(): void {
    this.armed = [];
    this.random = undefined;
    this.appendFaults = [];
    this.injectedCount = 0;
  }

  /** How many faults have fired since the last reset (lets a test check its faults really happened). */
  get injected(): number {
    return this.injectedCount;
  }

  /** Called by the server for every API request; returns the faults to apply, in order. */
  take(method: string, path: string): FaultAction[] {
    const actions: FaultAction[] = [];
    for (const entry of this.armed) {
      if (entry.remaining > 0 && matches(entry.matcher, method, path)) {
        entry.remaining -= 1;
        actions.push(entry.action);
      }
    }
    this.armed = this.armed.filter((entry) => entry.remaining > 0);
    if (this.random && matches(this.random.matcher, method, path) && this.random.next() < this.random.rate) {
      const status =
        this.random.statuses[Math.floor(this.random.next() * this.random.statuses.length)] ?? 500;
      const reason = reasons[status] ?? 'backendError';
      actions.push({ kind: 'fail', status, reason, message: messages[reason] ?? reason });
    }
    this.injectedCount += actions.filter((action) => action.kind !== 'slow').length;
    return actions;
  }

  private arm(rule: CountedRule, action: FaultAction): void {
    const { times = 1, method, path } = rule;
    const matcher: RequestMatcher = {};
    if (method !== undefined) matcher.method = method;
    if (path !== undefined) matcher.path = path;
    this.armed.push({ matcher, remaining: times, action });
  }
}

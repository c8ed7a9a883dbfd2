import { describeFailure } from '../failure.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of `dms2bq doctor`: what was checked, what was found, and for a failure what to do. */
export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export const pass = (check: string, detail: string): CheckResult => ({ check, status: 'pass', detail });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  status: 'fail',
  detail,
  fix,
});
export const skip = (check: string, detail: string): CheckResult => ({ check, status: 'skip', detail });

/** A check whose call failed (no permission, throttled, network): the failure's one line and its fix. */
export const failedCall = (check: string, error: unknown, fix: string): CheckResult =>
  fail(check, describeFailure(error).line, fix);

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

export function renderCheck(result: CheckResult): string {
  return `${LABEL[result.status]}  ${result.check}: ${result.detail}${result.fix ? ` → fix: ${result.fix}` : ''}\n`;
}

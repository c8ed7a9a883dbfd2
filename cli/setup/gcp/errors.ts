import { EXIT, type FailureCode } from '../../errors.js';
import { describeFailure, oneLine } from '../../failure.js';
import { GoogleApiError } from './google-rest.js';

/**
 * The predefined role that holds each permission setup needs, for the fix of a 403. Grant it to the
 * identity running setup (or run setup as a project Owner, which holds them all).
 */
const ROLE_FOR_PERMISSION: [RegExp, string][] = [
  [/^serviceusage\.services\./, 'roles/serviceusage.serviceUsageAdmin'],
  [/^iam\.serviceAccounts\./, 'roles/iam.serviceAccountAdmin'],
  [/^iam\.workloadIdentityPool/, 'roles/iam.workloadIdentityPoolAdmin'],
  [/^resourcemanager\.projects\.(get|set)IamPolicy$/, 'roles/resourcemanager.projectIamAdmin'],
  [/^bigquery\.datasets\./, 'roles/bigquery.dataOwner on the dataset'],
];

/** One line for a step Google refused: what, which permission or API, and the fix; and its exit code. */
export function describeStepFailure(
  step: string,
  error: unknown,
  projectId: string,
): { line: string; exitCode: FailureCode } {
  const { problem, fix, exitCode } = stepFailure(error, projectId, 'setup');
  return { line: `${step}: ${problem}${fix ? ` → fix: ${fix}` : ''}`, exitCode };
}

/** What Google refused and the fix, for the identity running `who` (setup or doctor). */
export function stepFailure(
  error: unknown,
  projectId: string,
  who: 'setup' | 'doctor',
): { problem: string; fix?: string; exitCode: FailureCode } {
  // Not Google's answer (nothing listening, no credentials): the exit code of the cause (2 for the
  // environment, docs/operations.md#exit-codes).
  if (!(error instanceof GoogleApiError)) {
    const failure = describeFailure(error);
    return { problem: failure.line, exitCode: failure.exitCode };
  }
  const permission = error.metadata.permission;
  if (error.httpStatus === 403 && permission) {
    const role = ROLE_FOR_PERMISSION.find(([pattern]) => pattern.test(permission))?.[1];
    const on = error.metadata.resource ? ` on ${error.metadata.resource}` : '';
    return {
      problem: `Google denied ${permission}${on} (403 PERMISSION_DENIED)`,
      fix: `grant the identity running ${who} ${role ?? 'a role that includes it'} in project ${projectId} (or run ${who} as a project Owner), then rerun`,
      exitCode: EXIT.problem,
    };
  }
  if (error.reason === 'SERVICE_DISABLED') {
    const service = error.metadata.service ?? 'the API';
    return {
      problem: `${service} is not enabled in project ${projectId} (403 SERVICE_DISABLED)`,
      fix: `dms2bq setup gcp --apply enables it first (or gcloud services enable ${service} --project ${projectId})`,
      exitCode: EXIT.problem,
    };
  }
  if (error.httpStatus === 401) {
    return {
      problem: `Google rejected the credentials (401 ${error.status})`,
      fix: 'gcloud auth application-default login, then rerun',
      exitCode: EXIT.usage,
    };
  }
  return {
    problem: `Google answered ${error.httpStatus} ${error.status}: ${oneLine(error.message)}`,
    exitCode: EXIT.problem,
  };
}

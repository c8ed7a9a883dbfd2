import type { BigQuery } from '@google-cloud/bigquery';
import { EXIT, type FailureCode, UserError } from '../../errors.js';
import { GoogleApiError, type GoogleRest } from './google-rest.js';
import type { GcpTarget } from './target.js';

/**
 * What one step found: `exists` (nothing to do), `create` or `change` (apply would do it), `later`
 * (another command does it, e.g. `warehouse apply` creates a dataset and its access together).
 */
export type StepStatus = 'exists' | 'create' | 'change' | 'later';

export interface Finding {
  step: string;
  status: StepStatus;
  detail: string;
  /** Makes the change; returns what it did. Present for `create` and `change`. */
  apply?: () => Promise<string>;
  /** The change may reveal another in the same step (an undeleted provider's settings): inspect again. */
  inspectAgain?: boolean;
}

export interface SetupContext {
  rest: GoogleRest;
  bigquery: BigQuery;
  target: GcpTarget;
  /** The project's number, which the resource names of pools and principals carry. */
  projectNumber: string;
  /** APIs not yet enabled: a step on such an API plans its change without calling it. */
  disabled: Set<string>;
}

export interface Step {
  name: string;
  inspect: (context: SetupContext) => Promise<Finding>;
}

/** A call to an API the project has not enabled (403 with ErrorInfo reason SERVICE_DISABLED). */
export const isServiceDisabled = (error: unknown): boolean =>
  error instanceof GoogleApiError && error.reason === 'SERVICE_DISABLED';

/** Thrown by a step whose read or change Google refused; the command prints `line`. */
export class SetupStepError extends UserError {
  override name = 'SetupStepError';
  constructor(
    readonly step: string,
    line: string,
    exitCode: FailureCode = EXIT.problem,
  ) {
    super(line, exitCode);
  }
}

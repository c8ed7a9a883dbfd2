import type { BigQuery } from '@google-cloud/bigquery';
import { UserError } from '../../errors.js';
import { describeStepFailure, stepFailure } from './errors.js';
import type { GoogleRest } from './google-rest.js';
import {
  datasetAccessSteps,
  deployFederationStep,
  deployRightsStep,
  loaderFederationStep,
  loaderJobUserStep,
} from './grant-steps.js';
import {
  awsPoolStep,
  awsProviderStep,
  deployAccountStep,
  githubPoolStep,
  githubProviderStep,
  loaderAccountStep,
  readServices,
  servicesStep,
} from './identity-steps.js';
import { type Finding, type SetupContext, SetupStepError, type Step, type StepStatus } from './step.js';
import type { GcpTarget } from './target.js';

/**
 * Every step in the order that works: the APIs before anything they serve; the service accounts
 * before the bindings naming them; the pools before their providers and the principals in them;
 * the loader's dataset and project grants; CD's rights last.
 */
export function setupSteps(target: GcpTarget): Step[] {
  const aws = target.aws !== undefined;
  return [
    servicesStep,
    loaderAccountStep,
    deployAccountStep,
    ...(aws ? [awsPoolStep, awsProviderStep] : []),
    githubPoolStep,
    githubProviderStep,
    ...(aws ? [loaderFederationStep] : []),
    deployFederationStep,
    ...datasetAccessSteps(target.datasets),
    loaderJobUserStep,
    deployRightsStep,
  ];
}

/** Reads the project's APIs and number; a workload identity audience of another project is a config error. */
export async function openSetup(
  rest: GoogleRest,
  bigquery: BigQuery,
  target: GcpTarget,
  configFile: string,
  who: 'setup' | 'doctor' = 'setup',
): Promise<SetupContext> {
  let services: Awaited<ReturnType<typeof readServices>>;
  try {
    services = await readServices({ rest }, target);
  } catch (error) {
    const { problem, fix, exitCode } = stepFailure(error, target.projectId, who);
    throw new UserError(`reading the project's APIs: ${problem}${fix ? ` → fix: ${fix}` : ''}`, exitCode);
  }
  const { projectNumber, disabled } = services;
  if (target.audienceProjectNumber && target.audienceProjectNumber !== projectNumber) {
    throw new UserError(
      `${configFile}: gcp.credentials.wifConfig.audience names project number ${target.audienceProjectNumber}, but ${target.projectId} is number ${projectNumber} → fix: put ${projectNumber} in the audience (//iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${target.aws?.poolId}/providers/${target.aws?.providerId})`,
    );
  }
  return { rest, bigquery, target, projectNumber, disabled };
}

/** Inspects one step; a refused call becomes the step's one-line error. */
export async function inspectStep(context: SetupContext, step: Step): Promise<Finding> {
  try {
    return await step.inspect(context);
  } catch (error) {
    throw asStepError(step.name, error, context.target.projectId);
  }
}

function asStepError(step: string, error: unknown, projectId: string): SetupStepError {
  if (error instanceof SetupStepError) return error;
  const { line, exitCode } = describeStepFailure(step, error, projectId);
  return new SetupStepError(step, line, exitCode);
}

const LABEL: Record<StepStatus, string> = {
  exists: 'EXISTS',
  create: 'CREATE',
  change: 'CHANGE',
  later: 'LATER ',
};

export const renderFinding = (finding: Finding): string =>
  `  ${LABEL[finding.status]}  ${finding.step}: ${finding.detail}\n`;

/**
 * Prints the plan (every step, what exists and what would change), then with `apply` makes the
 * changes in order, inspecting each step again just before so what an earlier step created is seen.
 * Returns how many changes were planned and made.
 */
export async function runSetup(
  context: SetupContext,
  apply: boolean,
  print: (text: string) => void,
): Promise<{ planned: number; applied: number }> {
  const steps = setupSteps(context.target);
  const { target, projectNumber } = context;
  print(`setup gcp --stage ${target.stage}: project ${target.projectId} (number ${projectNumber})\nplan:\n`);
  // The plan must not change anything: a copy of what is disabled, which an apply would empty.
  const planContext = { ...context, disabled: new Set(context.disabled) };
  let planned = 0;
  for (const step of steps) {
    const finding = await inspectStep(planContext, step);
    if (finding.apply) planned += 1;
    print(renderFinding(finding));
  }
  if (planned === 0) {
    print('nothing to change: every step is in place\n');
    return { planned, applied: 0 };
  }
  if (!apply) {
    print(`${planned} change(s) to make; rerun with --apply to make them\n`);
    return { planned, applied: 0 };
  }
  print('applying:\n');
  let applied = 0;
  for (const step of steps) {
    // A second round only where the first change may reveal another (an undeleted provider whose
    // condition differs): a just-created service account may still read as missing for a while.
    for (let round = 0; round < 2; round++) {
      const finding = await inspectStep(context, step);
      if (!finding.apply) break;
      try {
        print(`  DONE    ${finding.step}: ${await finding.apply()}\n`);
      } catch (error) {
        throw asStepError(finding.step, error, target.projectId);
      }
      applied += 1;
      if (!finding.inspectAgain) break;
    }
  }
  print(`applied ${applied} change(s); prove them with dms2bq doctor --stage ${target.stage}\n`);
  return { planned, applied };
}

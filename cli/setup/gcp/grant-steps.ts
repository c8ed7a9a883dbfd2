import {
  type DatasetAccessEntry,
  grantDatasetAccess,
  missingAccess,
} from '../../../lambdas/shared/warehouse/dataset-access.js';
import { WarehouseAccessError } from '../../../lambdas/shared/warehouse/errors.js';
import { isStatus } from './google-rest.js';
import { type Finding, type SetupContext, SetupStepError, type Step } from './step.js';
import { githubPrincipal, poolPrincipalSet } from './target.js';

interface Policy {
  version?: number;
  etag?: string;
  bindings?: { role: string; members: string[]; condition?: unknown }[];
}
interface Grant {
  role: string;
  member: string;
}

/** An etag conflict means someone changed the policy between our read and write: read again. */
const POLICY_ATTEMPTS = 5;
const WORKLOAD_IDENTITY_USER = 'roles/iam.workloadIdentityUser';
const IAM = 'iam.googleapis.com';
const CRM = 'cloudresourcemanager.googleapis.com';

const missingGrants = (policy: Policy, grants: readonly Grant[]): Grant[] =>
  grants.filter(
    ({ role, member }) =>
      !(policy.bindings ?? []).some(
        (binding) => binding.role === role && !binding.condition && binding.members.includes(member),
      ),
  );

/**
 * Adds `grants` to an IAM policy by read-modify-write with its etag: setIamPolicy replaces the
 * whole policy, and a stale etag is refused (409 ABORTED), so a conflict re-reads and retries.
 */
async function addGrants(
  read: () => Promise<Policy>,
  write: (policy: Policy) => Promise<unknown>,
  grants: readonly Grant[],
): Promise<Grant[]> {
  for (let attempt = 1; ; attempt++) {
    const policy = await read();
    const missing = missingGrants(policy, grants);
    if (missing.length === 0) return [];
    const bindings = (policy.bindings ?? []).map((binding) => ({
      ...binding,
      members: [...binding.members],
    }));
    for (const { role, member } of missing) {
      const binding = bindings.find((b) => b.role === role && !b.condition);
      if (binding) binding.members.push(member);
      else bindings.push({ role, members: [member] });
    }
    try {
      await write({ ...policy, bindings });
      return missing;
    } catch (error) {
      if (!isStatus(error, 409, 'ABORTED') || attempt >= POLICY_ATTEMPTS) throw error;
    }
  }
}

/**
 * How a service account created moments ago shows before it propagates: its own policy is 404, and
 * a project policy naming it is refused 400 "… does not exist" (reported, not documented: ADR 0051).
 */
const notYetVisible = (error: unknown): boolean =>
  isStatus(error, 404) ||
  (isStatus(error, 400, 'INVALID_ARGUMENT') && /does not exist/i.test((error as Error).message));

const describeGrants = (grants: readonly Grant[]): string =>
  grants.map(({ role, member }) => `${role} to ${member}`).join('; ');

function policyStep(
  name: string,
  api: string,
  grants: (context: SetupContext) => Grant[],
  endpoints: (context: SetupContext) => {
    read: () => Promise<Policy>;
    write: (p: Policy) => Promise<unknown>;
  },
): Step {
  return {
    name,
    inspect: async (context) => {
      const wanted = grants(context);
      let missing = wanted;
      if (!context.disabled.has(api)) {
        try {
          missing = missingGrants(await endpoints(context).read(), wanted);
        } catch (error) {
          // The service account is created by an earlier step of the same run.
          if (!isStatus(error, 404)) throw error;
        }
      }
      if (missing.length === 0) return { step: name, status: 'exists', detail: describeGrants(wanted) };
      return {
        step: name,
        status: missing.length === wanted.length ? 'create' : 'change',
        detail: `grant ${describeGrants(missing)}`,
        apply: async () => {
          const { read, write } = endpoints(context);
          // A service account created moments ago may not be visible yet to the policy calls.
          const added = await context.rest.eventually(() => addGrants(read, write, wanted), notYetVisible);
          return added.length === 0 ? 'already granted' : `granted ${describeGrants(added)}`;
        },
      };
    },
  };
}

function serviceAccountPolicy(context: SetupContext, email: string) {
  const url = `${context.rest.endpoints.iam}/v1/projects/${context.target.projectId}/serviceAccounts/${email}`;
  return {
    read: () => context.rest.call<Policy>('POST', `${url}:getIamPolicy`, {}),
    write: (policy: Policy) => context.rest.call('POST', `${url}:setIamPolicy`, { policy }),
  };
}

function projectPolicy(context: SetupContext) {
  const url = `${context.rest.endpoints.resourceManager}/v1/projects/${context.target.projectId}`;
  return {
    // Version 3 keeps conditional bindings intact when the policy is written back.
    read: () =>
      context.rest.call<Policy>('POST', `${url}:getIamPolicy`, { options: { requestedPolicyVersion: 3 } }),
    write: (policy: Policy) => context.rest.call('POST', `${url}:setIamPolicy`, { policy }),
  };
}

/** The stage's two fixed AWS role names may act as the loader's service account (ADR 0031). */
export const loaderFederationStep = policyStep(
  'AWS roles → loader service account',
  IAM,
  ({ target: { aws }, projectNumber }) =>
    (aws?.roleArns ?? []).map((arn) => ({
      role: WORKLOAD_IDENTITY_USER,
      member: aws ? poolPrincipalSet(projectNumber, aws, arn) : arn,
    })),
  (context) => serviceAccountPolicy(context, context.target.loaderEmail),
);

/** CD's jobs in the stage's GitHub environment may act as the deploy service account. */
export const deployFederationStep = policyStep(
  'GitHub environment → deploy service account',
  IAM,
  ({ target, projectNumber }) => [
    { role: WORKLOAD_IDENTITY_USER, member: githubPrincipal(projectNumber, target.github.subject) },
  ],
  (context) => serviceAccountPolicy(context, context.target.deployEmail),
);

/** A load job is a project-level job: the loader needs roles/bigquery.jobUser on the project. */
export const loaderJobUserStep = policyStep(
  'loader: project roles/bigquery.jobUser',
  CRM,
  ({ target }) => [{ role: 'roles/bigquery.jobUser', member: `serviceAccount:${target.loaderEmail}` }],
  projectPolicy,
);

/** warehouse apply creates datasets, tables and views (dataEditor) and runs its backfill query (jobUser). */
export const deployRightsStep = policyStep(
  'CD: project roles/bigquery.dataEditor and roles/bigquery.jobUser',
  CRM,
  (context) => [
    { role: 'roles/bigquery.dataEditor', member: `serviceAccount:${context.target.deployEmail}` },
    { role: 'roles/bigquery.jobUser', member: `serviceAccount:${context.target.deployEmail}` },
  ],
  projectPolicy,
);

/**
 * WRITER (roles/bigquery.dataEditor) for the loader on every dataset that exists: it appends to the
 * changelogs and, in a dataset with CDC tables, streams through the Storage Write API, whose
 * permission bigquery.tables.updateData WRITER includes. A dataset not created yet is left to
 * `warehouse apply --phase pre`, which creates it with this access (ADR 0031).
 */
export function datasetAccessSteps(datasets: readonly { name: string; cdc: boolean }[]): Step[] {
  return datasets.map(({ name, cdc }) => ({
    name: `dataset ${name}`,
    inspect: async ({ bigquery, target }): Promise<Finding> => {
      const step = `dataset ${name}: loader WRITER`;
      const entries: DatasetAccessEntry[] = [{ role: 'WRITER', userByEmail: target.loaderEmail }];
      const why = cdc ? ' (includes bigquery.tables.updateData for its CDC tables: Storage Write API)' : '';
      const dataset = bigquery.dataset(name);
      const [exists] = await dataset.exists();
      if (!exists) {
        return {
          step,
          status: 'later',
          detail: `no dataset yet: warehouse apply --phase pre creates it with this access${why}`,
        };
      }
      const [metadata] = await dataset.getMetadata();
      const access = (metadata as { access?: Record<string, unknown>[] }).access ?? [];
      if (missingAccess(access, entries).length === 0) {
        return { step, status: 'exists', detail: `${target.loaderEmail}${why}` };
      }
      return {
        step,
        status: 'change',
        detail: `add WRITER for ${target.loaderEmail}${why}`,
        apply: async () => {
          try {
            await grantDatasetAccess(dataset, entries);
          } catch (error) {
            if (!(error instanceof WarehouseAccessError)) throw error;
            throw new SetupStepError(
              step,
              `${step}: Google denied bigquery.datasets.update on dataset ${name} (403) → fix: run setup as an OWNER of the dataset (roles/bigquery.dataOwner), then rerun`,
            );
          }
          return `gave ${target.loaderEmail} WRITER on ${name}`;
        },
      };
    },
  }));
}

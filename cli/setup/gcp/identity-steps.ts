import { isStatus, type Operation } from './google-rest.js';
import { isServiceDisabled, type SetupContext, type Step } from './step.js';
import {
  awsProviderSettings,
  type GcpTarget,
  GITHUB_POOL_ID,
  GITHUB_PROVIDER_ID,
  githubProviderSettings,
} from './target.js';

const IAM = 'iam.googleapis.com';
/** A batchEnable takes at most 20 services (BatchEnableServicesRequest.serviceIds). */
const BATCH_ENABLE_LIMIT = 20;

/** The APIs the project needs, enabled together: services.get each, one batchEnable for the rest. */
export const servicesStep: Step = {
  name: 'APIs',
  inspect: async ({ rest, target, disabled }) => {
    const missing = target.services.filter((service) => disabled.has(service));
    const step = `APIs ${target.services.join(', ')}`;
    if (missing.length === 0) return { step, status: 'exists', detail: 'enabled' };
    return {
      step,
      status: 'create',
      detail: `enable ${missing.join(', ')}`,
      apply: async () => {
        for (let i = 0; i < missing.length; i += BATCH_ENABLE_LIMIT) {
          const operation = await rest.call<Operation>(
            'POST',
            `${rest.endpoints.serviceUsage}/v1/projects/${target.projectId}/services:batchEnable`,
            { serviceIds: missing.slice(i, i + BATCH_ENABLE_LIMIT) },
          );
          await rest.wait(rest.endpoints.serviceUsage, operation);
        }
        for (const service of missing) disabled.delete(service);
        return `enabled ${missing.join(', ')}`;
      },
    };
  },
};

/** services.get of every API: which are disabled, and the project's number from the names. */
export async function readServices(
  context: Pick<SetupContext, 'rest'>,
  target: GcpTarget,
): Promise<{ disabled: Set<string>; projectNumber: string }> {
  const disabled = new Set<string>();
  let projectNumber = '';
  for (const service of target.services) {
    const found = await context.rest.call<{ name?: string; parent?: string; state?: string }>(
      'GET',
      `${context.rest.endpoints.serviceUsage}/v1/projects/${target.projectId}/services/${service}`,
    );
    if (found.state !== 'ENABLED') disabled.add(service);
    projectNumber ||= /^projects\/(\d+)/.exec(found.parent ?? found.name ?? '')?.[1] ?? '';
  }
  return { disabled, projectNumber };
}

export function serviceAccountStep(email: (t: GcpTarget) => string, purpose: string): Step {
  return {
    name: `service account (${purpose})`,
    inspect: async ({ rest, target, disabled }) => {
      const address = email(target);
      const step = `service account ${address}`;
      const base = `${rest.endpoints.iam}/v1/projects/${target.projectId}/serviceAccounts`;
      if (!disabled.has(IAM)) {
        try {
          await rest.call('GET', `${base}/${address}`);
          return { step, status: 'exists', detail: purpose };
        } catch (error) {
          if (!isStatus(error, 404)) throw error;
        }
      }
      const accountId = address.split('@')[0] ?? '';
      return {
        step,
        status: 'create',
        detail: `create (${purpose})`,
        apply: async () => {
          try {
            await rest.call('POST', base, {
              accountId,
              serviceAccount: { displayName: `dms2bq ${purpose}`.slice(0, 100) },
            });
          } catch (error) {
            // Created by someone else since the read: what setup wanted is there.
            if (!isStatus(error, 409, 'ALREADY_EXISTS')) throw error;
          }
          return `created ${address}`;
        },
      };
    },
  };
}

export const loaderAccountStep = serviceAccountStep(
  (t) => t.loaderEmail,
  'the loader and the reconciliation function act as it',
);
export const deployAccountStep = serviceAccountStep((t) => t.deployEmail, "CD's warehouse apply");

const poolsUrl = (context: SetupContext) =>
  `${context.rest.endpoints.iam}/v1/projects/${context.target.projectId}/locations/global/workloadIdentityPools`;

/** A workload identity pool: created, or undeleted when it was deleted within 30 days (its ID stays taken). */
export function poolStep(poolId: (t: GcpTarget) => string | undefined, purpose: string): Step {
  return {
    name: `pool (${purpose})`,
    inspect: async (context) => {
      const id = poolId(context.target) ?? '';
      const step = `workload identity pool ${id}`;
      const url = `${poolsUrl(context)}/${id}`;
      const { rest } = context;
      let state: string | undefined;
      if (!context.disabled.has(IAM)) {
        try {
          state = (await rest.call<{ state?: string }>('GET', url)).state;
        } catch (error) {
          if (!isStatus(error, 404)) throw error;
        }
      }
      if (state === 'ACTIVE') return { step, status: 'exists', detail: purpose };
      if (state === 'DELETED') {
        return {
          step,
          status: 'change',
          detail: 'undelete (it was deleted; its ID stays taken for 30 days)',
          apply: async () => {
            await rest.wait(rest.endpoints.iam, await rest.call<Operation>('POST', `${url}:undelete`, {}));
            return `undeleted ${id}`;
          },
        };
      }
      return {
        step,
        status: 'create',
        detail: `create (${purpose})`,
        apply: async () => {
          const operation = await rest.call<Operation>(
            'POST',
            `${poolsUrl(context)}?workloadIdentityPoolId=${encodeURIComponent(id)}`,
            { displayName: id.slice(0, 32), description: `dms2bq: ${purpose}`.slice(0, 256) },
          );
          await rest.wait(rest.endpoints.iam, operation);
          return `created ${id}`;
        },
      };
    },
  };
}

interface ProviderSettings {
  attributeMapping: Record<string, string>;
  attributeCondition: string;
  aws?: { accountId: string };
  oidc?: { issuerUri: string };
}

/** A provider: created, or patched (updateMask) where its mapping, condition or issuer/account differ. */
export function providerStep(
  ids: (t: GcpTarget) => { pool: string; provider: string; settings: ProviderSettings } | undefined,
  purpose: string,
): Step {
  return {
    name: `provider (${purpose})`,
    inspect: async (context) => {
      const wanted = ids(context.target);
      if (!wanted) throw new Error(`provider step ${purpose} has no settings`);
      const step = `provider ${wanted.pool}/${wanted.provider}`;
      const url = `${poolsUrl(context)}/${wanted.pool}/providers/${wanted.provider}`;
      const { rest } = context;
      let found: (Partial<ProviderSettings> & { state?: string }) | undefined;
      if (!context.disabled.has(IAM)) {
        try {
          found = await rest.call<Partial<ProviderSettings> & { state?: string }>('GET', url);
        } catch (error) {
          if (!isStatus(error, 404) && !isServiceDisabled(error)) throw error;
        }
      }
      if (!found) {
        return {
          step,
          status: 'create',
          detail: `create (${purpose}; condition ${wanted.settings.attributeCondition})`,
          apply: async () => {
            const operation = await rest.call<Operation>(
              'POST',
              `${poolsUrl(context)}/${wanted.pool}/providers?workloadIdentityPoolProviderId=${encodeURIComponent(wanted.provider)}`,
              { displayName: wanted.provider, ...wanted.settings },
            );
            await rest.wait(rest.endpoints.iam, operation);
            return `created ${wanted.pool}/${wanted.provider}`;
          },
        };
      }
      if (found.state === 'DELETED') {
        return {
          step,
          status: 'change',
          detail: 'undelete (it was deleted; its ID stays taken for 30 days), then compare its settings',
          inspectAgain: true,
          apply: async () => {
            await rest.wait(rest.endpoints.iam, await rest.call<Operation>('POST', `${url}:undelete`, {}));
            return `undeleted ${wanted.pool}/${wanted.provider}`;
          },
        };
      }
      const differing = (Object.keys(wanted.settings) as (keyof ProviderSettings)[]).filter(
        (field) => !covers(found?.[field], wanted.settings[field]),
      );
      if (differing.length === 0) return { step, status: 'exists', detail: purpose };
      return {
        step,
        status: 'change',
        detail: `update ${differing.join(', ')} (${purpose})`,
        apply: async () => {
          const body = Object.fromEntries(differing.map((field) => [field, wanted.settings[field]]));
          const operation = await rest.call<Operation>(
            'PATCH',
            `${url}?updateMask=${differing.join(',')}`,
            body,
          );
          await rest.wait(rest.endpoints.iam, operation);
          return `updated ${differing.join(', ')} of ${wanted.pool}/${wanted.provider}`;
        },
      };
    },
  };
}

/**
 * Whether what Google holds already says what we want: every field we set has our value (key order
 * and fields Google adds on its own, such as defaults, do not count as a difference).
 */
function covers(found: unknown, wanted: unknown): boolean {
  if (wanted && typeof wanted === 'object' && !Array.isArray(wanted)) {
    if (!found || typeof found !== 'object') return false;
    return Object.entries(wanted as Record<string, unknown>).every(([key, value]) =>
      covers((found as Record<string, unknown>)[key], value),
    );
  }
  return JSON.stringify(found) === JSON.stringify(wanted);
}

export const awsPoolStep = poolStep((t) => t.aws?.poolId, "the stage's AWS roles");
export const awsProviderStep = providerStep(
  (t) => t.aws && { pool: t.aws.poolId, provider: t.aws.providerId, settings: awsProviderSettings(t.aws) },
  "the stage's AWS account",
);
export const githubPoolStep = poolStep(() => GITHUB_POOL_ID, "CD's GitHub workflows");
export const githubProviderStep = providerStep(
  (t) => ({
    pool: GITHUB_POOL_ID,
    provider: GITHUB_PROVIDER_ID,
    settings: githubProviderSettings(t.github.repository),
  }),
  'GitHub OIDC of the repository',
);

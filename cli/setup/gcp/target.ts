import type { StageConfig } from '../../../infra/config.js';
import { currentMode, type SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import { loaderRoleName, reconcileRoleName } from '../../../lambdas/shared/naming.js';
import { UserError } from '../../errors.js';

/** The service account CD's `warehouse apply` runs as (deploy-stage.yml's GCP_DEPLOY_SERVICE_ACCOUNT). */
export const DEPLOY_ACCOUNT_ID = 'dms2bq-deploy';
/** The pool and provider CD's GitHub OIDC token is exchanged in; shared by the stages of a project. */
export const GITHUB_POOL_ID = 'github';
export const GITHUB_PROVIDER_ID = 'repo';
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';

/**
 * The APIs a stage calls: BigQuery for the data; IAM and Resource Manager for the pools and
 * bindings; STS and IAM Credentials on every federated login; the Storage Write API only when a
 * mapping streams a CDC table.
 */
const BASE_SERVICES = [
  'bigquery.googleapis.com',
  'iam.googleapis.com',
  'iamcredentials.googleapis.com',
  'sts.googleapis.com',
  'cloudresourcemanager.googleapis.com',
];
export const STORAGE_WRITE_SERVICE = 'bigquerystorage.googleapis.com';

export interface AwsFederation {
  poolId: string;
  providerId: string;
  accountId: string;
  /** `arn:aws:sts::<account>:assumed-role/<name>` of the loader and reconciliation roles. */
  roleArns: string[];
}

/** Everything `setup gcp` makes sure of, derived from the stage config and the mappings alone. */
export interface GcpTarget {
  stage: string;
  projectId: string;
  /** From the workload identity audience; checked against the project's real number. */
  audienceProjectNumber?: string;
  services: string[];
  loaderEmail: string;
  deployEmail: string;
  aws?: AwsFederation;
  github: { repository: string; subject: string };
  datasets: { name: string; cdc: boolean }[];
}

const AUDIENCE =
  /^\/\/iam\.googleapis\.com\/projects\/(\d+)\/locations\/global\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/;
const IMPERSONATION = /\/serviceAccounts\/([^/:]+@[^/:]+):generateAccessToken$/;

export function gcpTarget(
  stage: string,
  config: StageConfig,
  mappings: readonly SourceMapping[],
  configFile: string,
): GcpTarget {
  const { projectId, credentials } = config.gcp;
  const datasets = new Map<string, boolean>();
  for (const mapping of mappings) {
    const cdc = mapping.tables.some((table) => currentMode(mapping, table) === 'table');
    datasets.set(mapping.bigquery.dataset, (datasets.get(mapping.bigquery.dataset) ?? false) || cdc);
  }
  const anyCdc = [...datasets.values()].some(Boolean);
  const repository = config.accountStack.githubRepository;
  const base = {
    stage,
    projectId,
    services: anyCdc ? [...BASE_SERVICES, STORAGE_WRITE_SERVICE] : [...BASE_SERVICES],
    deployEmail: `${DEPLOY_ACCOUNT_ID}@${projectId}.iam.gserviceaccount.com`,
    github: { repository, subject: `repo:${repository}:environment:${stage}` },
    datasets: [...datasets].map(([name, cdc]) => ({ name, cdc })),
  };
  if (credentials.mode === 'service-account-key') {
    if (!credentials.serviceAccountEmail) {
      throw new UserError(
        `${configFile}: gcp.credentials.serviceAccountEmail is required for setup to create the loader's service account → fix: set it, e.g. dms2bq-loader@${projectId}.iam.gserviceaccount.com`,
      );
    }
    return { ...base, loaderEmail: credentials.serviceAccountEmail };
  }
  const audience = String(credentials.wifConfig.audience ?? '');
  const parts = AUDIENCE.exec(audience);
  if (!parts) {
    throw new UserError(
      `${configFile}: gcp.credentials.wifConfig.audience ${audience} is not //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider> → fix: set it so, e.g. with pool dms2bq-${stage} and provider aws`,
    );
  }
  const url = credentials.wifConfig.service_account_impersonation_url;
  const loaderEmail = typeof url === 'string' ? IMPERSONATION.exec(url)?.[1] : undefined;
  if (!loaderEmail) {
    throw new UserError(
      `${configFile}: gcp.credentials.wifConfig.service_account_impersonation_url names no service account → fix: set it to https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/dms2bq-loader@${projectId}.iam.gserviceaccount.com:generateAccessToken`,
    );
  }
  const roleArn = (name: string) => `arn:aws:sts::${config.account}:assumed-role/${name}`;
  return {
    ...base,
    loaderEmail,
    audienceProjectNumber: parts[1],
    aws: {
      poolId: parts[2] ?? '',
      providerId: parts[3] ?? '',
      accountId: config.account,
      roleArns: [roleArn(loaderRoleName(stage)), roleArn(reconcileRoleName(stage))],
    },
  };
}

/**
 * The AWS provider's mapping: Google's documented default for AWS (google.subject is the caller's
 * ARN; attribute.aws_role the assumed role's ARN without the session name), written out so a
 * changed default never changes what the bindings match. The condition admits only the stage's two
 * fixed role names (ADR 0031), so no other role of the account can exchange a token.
 */
export function awsProviderSettings(aws: AwsFederation) {
  return {
    attributeMapping: {
      'google.subject': 'assertion.arn',
      'attribute.aws_role':
        "assertion.arn.contains('assumed-role') ? assertion.arn.extract('{account_arn}assumed-role/') + 'assumed-role/' + assertion.arn.extract('assumed-role/{role_name}/') : assertion.arn",
    },
    attributeCondition: `attribute.aws_role in [${aws.roleArns.map((arn) => `'${arn}'`).join(', ')}]`,
    aws: { accountId: aws.accountId },
  };
}

/** The GitHub provider: only the repository's workflows; the binding narrows to the stage's environment. */
export function githubProviderSettings(repository: string) {
  return {
    attributeMapping: {
      'google.subject': 'assertion.sub',
      'attribute.repository': 'assertion.repository',
    },
    attributeCondition: `assertion.repository == '${repository}'`,
    oidc: { issuerUri: GITHUB_ISSUER },
  };
}

export const poolPrincipalSet = (projectNumber: string, aws: AwsFederation, roleArn: string): string =>
  `principalSet://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${aws.poolId}/attribute.aws_role/${roleArn}`;

export const githubPrincipal = (projectNumber: string, subject: string): string =>
  `principal://iam.googleapis.com/projects/${projectNumber}/locations/global/workloadIdentityPools/${GITHUB_POOL_ID}/subject/${subject}`;

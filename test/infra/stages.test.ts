import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../infra/config.js';
import { APP_CONTEXT, addDeployment } from '../../infra/deployment.js';
import { iamStatements, resourcesOfType, type SynthedApp, synthStages } from './support.js';

/** Properties that would give a resource a fixed physical name and block a second deployment. */
const PHYSICAL_NAMES = [
  'BucketName',
  'QueueName',
  'FunctionName',
  'RoleName',
  'TopicName',
  'DashboardName',
  'LogGroupName',
  'AlarmName',
  'GroupName',
  'ReplicationSubnetGroupIdentifier',
  'EndpointIdentifier',
  'ReplicationInstanceIdentifier',
];

let synthed: SynthedApp;

beforeAll(() => {
  synthed = synthStages(['dev', 'prod'], { bundle: false });
}, 120_000);

afterAll(() => synthed.cleanup());

const stage = (name: string) => {
  const found = synthed.stages.find((entry) => entry.stage === name);
  if (!found) throw new Error(`stage ${name} not synthesized`);
  return found;
};

describe('two stages side by side', () => {
  it('get distinct stack names', () => {
    // Act
    const names = synthed.stages.map((entry) => entry.stack.stackName);

    // Assess
    expect(new Set(names).size).toBe(2);
  });

  it('name resources physically only with the stage in the name (DMS instance, its task log group, the roles Google federation names)', () => {
    // Act
    const named = synthed.stages.flatMap(({ stage: name, template }) =>
      Object.entries(
        template.toJSON().Resources as Record<string, { Properties?: Record<string, unknown> }>,
      ).flatMap(([id, value]) =>
        // A literal string is a fixed name; a Ref or GetAtt only points at another resource.
        PHYSICAL_NAMES.filter((key) => typeof value.Properties?.[key] === 'string').map(
          (key) => `${name}/${id}.${key}=${JSON.stringify(value.Properties?.[key])}`,
        ),
      ),
    );

    // Assess
    expect(named.sort()).toEqual([
      expect.stringMatching(/^dev\/DmsInstance.*\.ReplicationInstanceIdentifier="dms2bq-dev"$/),
      expect.stringMatching(/^dev\/DmsTaskLogs.*\.LogGroupName="dms-tasks-dms2bq-dev"$/),
      expect.stringMatching(/^dev\/LoaderRole.*\.RoleName="dms2bq-dev-loader"$/),
      expect.stringMatching(/^dev\/ReconciliationFunctionRole.*\.RoleName="dms2bq-dev-reconcile"$/),
      expect.stringMatching(/^prod\/DmsInstance.*\.ReplicationInstanceIdentifier="dms2bq-prod"$/),
      expect.stringMatching(/^prod\/DmsTaskLogs.*\.LogGroupName="dms-tasks-dms2bq-prod"$/),
      expect.stringMatching(/^prod\/LoaderRole.*\.RoleName="dms2bq-prod-loader"$/),
      expect.stringMatching(/^prod\/ReconciliationFunctionRole.*\.RoleName="dms2bq-prod-reconcile"$/),
    ]);
  });

  it('give each stage its own DMS replication task identifiers', () => {
    // Act
    const identifiers = synthed.stages.flatMap(({ template }) =>
      Object.values(resourcesOfType(template, 'Custom::DmsReplicationTask')).map(
        (value) => value.Properties?.ReplicationTaskIdentifier,
      ),
    );

    // Assess
    expect(new Set(identifiers).size).toBe(identifiers.length);
  });
});

describe('DMS replication task identifier', () => {
  it('is dms2bq-<stage>-<source> with only letters, digits and hyphens', () => {
    // Act
    const identifiers = Object.values(
      resourcesOfType(stage('prod').template, 'Custom::DmsReplicationTask'),
    ).map((value) => value.Properties?.ReplicationTaskIdentifier);

    // Assess
    expect(identifiers).toEqual(['dms2bq-prod-casino-a']);
  });
});

describe.each([
  ['dev', ['com.amazonaws.eu-west-1.s3', 'com.amazonaws.eu-west-1.secretsmanager']],
  ['prod', []],
])('stage %s', (name, services) => {
  it('creates the S3 gateway and Secrets Manager endpoints only when the config says none exists', () => {
    // Act
    const endpoints = Object.values(resourcesOfType(stage(name).template, 'AWS::EC2::VPCEndpoint')).map(
      (endpoint) => endpoint.Properties?.ServiceName,
    );

    // Assess
    expect(endpoints.sort()).toEqual(services);
  });

  it('creates none of the account-wide DMS roles', () => {
    // Act
    const roles = Object.values(resourcesOfType(stage(name).template, 'AWS::IAM::Role')).filter((role) =>
      String(role.Properties?.RoleName ?? '').startsWith('dms-'),
    );

    // Assess
    expect(roles).toEqual([]);
  });
});

describe('GCP credentials', () => {
  it('passes the workload identity configuration, and no secret, in workload-identity mode', () => {
    // Act
    const env = JSON.stringify(stage('dev').template.toJSON()).includes('GCP_SA_KEY_SECRET_ARN');

    // Assess
    stage('dev').template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { GCP_CREDENTIALS_MODE: 'workload-identity', GCP_WIF_CONFIG: Match.anyValue() },
      },
    });
    expect(env).toBe(false);
  });

  it('lets the loader read exactly the key secret in the service-account-key fallback', () => {
    // Prepare
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/dms2bq/gcp-key-MnOpQr';
    const prod = loadStageConfig('prod');
    const config = {
      ...prod,
      gcp: { ...prod.gcp, credentials: { mode: 'service-account-key' as const, keySecretArn: secretArn } },
    };
    const app = new App({
      outdir: synthed.outdir,
      builtinCloudFormationValidation: false,
      context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });

    // Act
    const template = Template.fromStack(
      addDeployment(app, { stage: 'prod', config, mappings: synthed.mappings }),
    );
    const reads = iamStatements(template).filter(
      (statement) =>
        statement.policy.startsWith('LoaderRole') && statement.Action === 'secretsmanager:GetSecretValue',
    );

    // Assess
    expect(reads.map((statement) => statement.Resource)).toEqual([secretArn]);
  });
});

describe('example stage configs', () => {
  it('use Workload Identity Federation, the keyless default, in every stage', () => {
    // Assess
    expect(synthed.stages.map(({ stage: name, config }) => [name, config.gcp.credentials.mode])).toEqual([
      ['dev', 'workload-identity'],
      ['prod', 'workload-identity'],
    ]);
  });
});

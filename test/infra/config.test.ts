import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadStageConfig, parseStageConfig, StageConfigError } from '../../infra/config.js';
import { APP_CONTEXT, addDeployment } from '../../infra/deployment.js';
import { readMappingsSync } from '../../infra/mappings.js';

/** The shipped dev config, parsed as JSON, for tests to break one field at a time. */
const devDocument = (): Record<string, unknown> =>
  JSON.parse(readFileSync('config/dev.json', 'utf8')) as Record<string, unknown>;

const withField = (path: string, value: unknown): Record<string, unknown> => {
  const document = devDocument();
  const keys = path.split('.');
  let target = document;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys.at(-1) as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return document;
};

describe('stage config', () => {
  it.each(['dev', 'prod'])('config/%s.json is valid', (stage) => {
    // Act
    const config = loadStageConfig(stage);

    // Assess
    expect(config.sources).toHaveProperty('casino_a');
  });

  it.each([
    ['account', '12345', 'account'],
    ['region', undefined, 'region'],
    ['network.subnetIds', ['subnet-0aaaaaaaaaaaaaaa1'], 'network.subnetIds'],
    ['network.routeTableIds', [], 'network.routeTableIds'],
    ['sources.casino_a.secretArn', 'not-an-arn', 'sources.casino_a.secretArn'],
    ['gcp.credentials.mode', 'key-file', 'gcp.credentials.mode'],
    [
      'gcp.credentials.wifConfig',
      { type: 'external_account', audience: 'a', private_key: 'x' },
      'gcp.credentials.wifConfig',
    ],
    ['alarmEmail', 'nobody', 'alarmEmail'],
    ['landingRetentionDays', 1, 'landingRetentionDays'],
    ['network.s3PrefixListId', 'pl-nope', 'network.s3PrefixListId'],
    ['network.secretsManager', undefined, 'network.secretsManager'],
    ['network.secretsManager', { mode: 'internet' }, 'network.secretsManager.mode'],
    ['network.secretsManager', { mode: 'existing-endpoint' }, 'network.secretsManager.securityGroupId'],
    ['dms.instanceClass', 't3.medium', 'dms.instanceClass'],
    ['dms.logRetentionDays', 10, 'dms.logRetentionDays'],
    ['dms.updateWaitMinutes', 90, 'dms.updateWaitMinutes'],
    ['accountStack', undefined, 'accountStack'],
    ['accountStack.dmsServiceRoles', 'adopt', 'accountStack.dmsServiceRoles'],
    ['accountStack.githubRepository', 'dms-to-bigquery', 'accountStack.githubRepository'],
    ['dms.engineVersion', '3.5.3', 'dms.engineVersion'],
    ['dms.engineVersion', '3.4.7', 'dms.engineVersion'],
    ['dms.engineVersion', 'latest', 'dms.engineVersion'],
    ['sources.casino_a.sslMode', 'require', 'sources.casino_a.sslMode'],
    ['sources.casino_a.sslMode', 'none', 'sources.casino_a.sslMode'],
  ])('rejects %s = %j naming the field', (path, value, field) => {
    // Prepare
    const document = withField(path, value);

    // Act
    const parse = () => parseStageConfig(document, 'config/dev.json');

    // Assess
    expect(parse).toThrow(StageConfigError);
    expect(parse).toThrow(new RegExp(`^config/dev\\.json: ${field.replace(/\./g, '\\.')} `));
  });

  it('verifies the source certificate in full and pins DMS 3.6.1 unless told otherwise', () => {
    // Act
    const config = parseStageConfig(devDocument(), 'config/dev.json');

    // Assess
    expect(config.sources.casino_a?.sslMode).toBe('verify-full');
    expect(config.dms.engineVersion).toBe('3.6.1');
  });

  it.each(['3.5.4', '3.6.0', '3.10.0', '4.0.0'])('accepts engine version %s', (version) => {
    // Act
    const config = parseStageConfig(withField('dms.engineVersion', version), 'config/dev.json');

    // Assess
    expect(config.dms.engineVersion).toBe(version);
  });

  it('names the missing file and how to pick a stage', () => {
    // Act
    const load = () => loadStageConfig('staging');

    // Assess
    expect(load).toThrow(
      'config/staging.json: no such stage config; the stages are dev, prod (config/<stage>.json), or create config/staging.json',
    );
  });

  it('refuses a mapping whose source has no entry in the stage config', () => {
    // Prepare
    const config = parseStageConfig(withField('sources', {}), 'config/dev.json');
    const app = new App({ context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] } });

    // Act
    const build = () => addDeployment(app, { stage: 'dev', config, mappings: readMappingsSync('mappings') });

    // Assess
    expect(build).toThrow(/config\/dev\.json: sources\.casino_a is missing/);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeRouteTablesCommand, DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { BigQuery } from '@google-cloud/bigquery';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { doctorCommand } from '../../cli/commands/operate/doctor.js';
import { BINLOG_ASSESSMENTS } from '../../cli/doctor/dms-checks.js';
import { loadStageConfig } from '../../infra/config.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { runDms2bq } from '../support/cli.js';
import { DmsFake } from '../support/dms-fake.js';
import { fakeIam, healthyDmsServiceRoles } from './fake-iam.js';

// The example prod config uses workload identity federation, under which the operator cannot act as
// the loader; the key fallback lets doctor test the loader's own grants, so most cases use it.
const configDir = mkdtempSync(join(tmpdir(), 'dms2bq-doctor-config-'));
const LOADER_KEY_SECRET = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/gcp/loader-key';
writeFileSync(
  join(configDir, 'prod.json'),
  JSON.stringify({
    ...JSON.parse(readFileSync('config/prod.json', 'utf8')),
    gcp: {
      ...JSON.parse(readFileSync('config/prod.json', 'utf8')).gcp,
      credentials: { mode: 'service-account-key', keySecretArn: LOADER_KEY_SECRET },
    },
  }),
);
const config = loadStageConfig('prod', configDir);
const TASK = 'dms2bq-prod-casino-a';
const sts = mockClient(STSClient);
const cloudFormation = mockClient(CloudFormationClient);
const ec2 = mockClient(EC2Client);
const secrets = mockClient(SecretsManagerClient);

describe('dms2bq doctor --stage prod', () => {
  let emulator: BigQueryEmulator;
  let dms: DmsFake;
  let iam: ReturnType<typeof fakeIam>;

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({
      port: 0,
      projectId: config.gcp.projectId,
      location: config.gcp.location,
    });
    const bigquery = new BigQuery({ ...emulator.clientOptions, location: config.gcp.location });
    const [dataset] = await bigquery.createDataset('casino_a_cdc');
    await dataset.createTable('bets', { schema: { fields: [{ name: 'id', type: 'INTEGER' }] } });
    await dataset.createTable('bets_current', {
      view: { query: 'SELECT * FROM `casino_a_cdc.bets`', useLegacySql: false },
    });
  });

  afterAll(async () => {
    await emulator.stop();
    rmSync(configDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    dms = new DmsFake();
    dms.seed(TASK, JSON.stringify({ rules: [] }), 'running');
    iam = fakeIam(healthyDmsServiceRoles());
    sts.on(GetCallerIdentityCommand).resolves({
      Account: config.account,
      Arn: `arn:aws:sts::${config.account}:assumed-role/deployer/ci`,
    });
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        { StackName: 'Dms2Bq-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [] },
      ],
    });
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-s3',
          VpcEndpointType: 'Gateway',
          ServiceName: 'com.amazonaws.eu-west-1.s3',
          State: 'Available',
        },
        {
          VpcEndpointId: 'vpce-sm',
          VpcEndpointType: 'Interface',
          ServiceName: 'com.amazonaws.eu-west-1.secretsmanager',
          State: 'Available',
        },
      ],
    });
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
    secrets.on(GetSecretValueCommand, { SecretId: config.sources.casino_a?.secretArn }).resolves({
      SecretString: JSON.stringify({ username: 'dms', password: 'p', host: 'db.internal', port: 3306 }),
    });
    secrets.on(GetSecretValueCommand, { SecretId: LOADER_KEY_SECRET }).resolves({
      SecretString: JSON.stringify({
        type: 'service_account',
        client_email: 'loader@example-prod-project.iam.gserviceaccount.com',
        private_key: 'unused by the emulator',
      }),
    });
    await fetch(`${emulator.url}/_emulator/iam`, { method: 'POST', body: JSON.stringify({ denied: [] }) });
  });

  afterEach(() => {
    dms.mock.restore();
    iam.restore();
    sts.reset();
    cloudFormation.reset();
    ec2.reset();
    secrets.reset();
  });

  const doctor = (...extra: string[]) =>
    runDms2bq(
      // Each wait between DMS polls is DMS moving one step on.
      [doctorCommand({ sleep: async () => dms.tick() })],
      ['doctor', '--stage', 'prod', '--config', configDir, '--bigquery-endpoint', emulator.url, ...extra],
    );
  const line = (stdout: string, check: string) =>
    stdout.split('\n').find((text) => text.includes(` ${check}:`));

  it('passes a healthy stage, one line per check, and exits 0', async () => {
    // Act
    const result = await doctor();

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/^FAIL/m);
    for (const check of [
      'AWS credentials',
      'stack Dms2Bq-prod',
      'DMS service role dms-vpc-role',
      'DMS service role dms-cloudwatch-logs-role',
      'VPC path to S3',
      'VPC path to Secrets Manager',
      'secret of casino_a',
      'DMS task dms2bq-prod-casino-a',
      'DMS connection dms2bq-prod-casino-a → source endpoint',
      'DMS connection dms2bq-prod-casino-a → target endpoint',
      'dataset casino_a_cdc',
      'deploy identity on casino_a_cdc.bets_current',
      'loader loader@example-prod-project.iam.gserviceaccount.com on casino_a_cdc.bets',
    ]) {
      expect(line(result.stdout, check)).toMatch(/^PASS/);
    }
    expect(line(result.stdout, 'binlog settings of casino_a')).toMatch(/^SKIP .*--assessment-bucket/);
  });

  it('reports credentials of another account and skips the other AWS checks', async () => {
    // Prepare
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:iam::999999999999:user/x' });

    // Act
    const result = await doctor();

    // Assess
    expect(line(result.stdout, 'AWS credentials')).toMatch(
      /^FAIL .*account 999999999999, config\/prod.json is account 222222222222 → fix: use a profile/,
    );
    expect(line(result.stdout, 'AWS checks')).toMatch(/^SKIP/);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/^1 of \d+ checks failed/) });
  });

  it("names the secret's missing keys without printing its values", async () => {
    // Prepare
    secrets
      .on(GetSecretValueCommand, { SecretId: config.sources.casino_a?.secretArn })
      .resolves({ SecretString: JSON.stringify({ Username: 'dms', password: 'hunter2', host: 'db' }) });

    // Act
    const result = await doctor();

    // Assess
    expect(line(result.stdout, 'secret of casino_a')).toMatch(
      /^FAIL .*has no username, port \(keys are case-sensitive\)/,
    );
    expect(result.stdout).not.toContain('hunter2');
    expect(result.code).toBe(1);
  });

  it("reports DMS's connection test failure with its message", async () => {
    // Prepare
    dms.connectionOutcome(
      dms.task(TASK)?.SourceEndpointArn as string,
      'failed',
      "Can't connect to MySQL server on 'db.internal'",
    );

    // Act
    const result = await doctor();

    // Assess
    expect(line(result.stdout, 'DMS connection dms2bq-prod-casino-a → source endpoint')).toMatch(
      /^FAIL .*failed: Can't connect to MySQL server .* → fix: check the secret's host\/port, the database security group/,
    );
    expect(line(result.stdout, 'DMS connection dms2bq-prod-casino-a → target endpoint')).toMatch(/^PASS/);
  });

  it('reports a replication instance that cannot test connections yet', async () => {
    // Prepare
    dms.instanceStatus = 'creating';

    // Act
    const result = await doctor();

    // Assess
    expect(line(result.stdout, 'DMS connection dms2bq-prod-casino-a → source endpoint')).toMatch(
      /^FAIL .*InvalidResourceStateFault.*not in available state/,
    );
  });

  it('fails the VPC path to Secrets Manager without an endpoint or a NAT route', async () => {
    // Prepare
    ec2.on(DescribeVpcEndpointsCommand).resolves({
      VpcEndpoints: [
        {
          VpcEndpointId: 'vpce-s3',
          VpcEndpointType: 'Gateway',
          ServiceName: 'com.amazonaws.eu-west-1.s3',
          State: 'Available',
        },
      ],
    });

    // Act
    const result = await doctor();

    // Assess
    expect(line(result.stdout, 'VPC path to S3')).toMatch(/^PASS/);
    expect(line(result.stdout, 'VPC path to Secrets Manager')).toMatch(
      /^FAIL .*→ fix: add an interface endpoint com\.amazonaws\.eu-west-1\.secretsmanager/,
    );
  });

  it('accepts a NAT gateway on the default route instead of endpoints', async () => {
    // Prepare
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [{ Routes: [{ DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }] }],
    });

    // Act
    const result = await doctor();

    // Assess
    expect(line(result.stdout, 'VPC path to Secrets Manager')).toMatch(/^PASS .*NAT gateway/);
  });

  it("runs DMS's binlog premigration assessments when given a bucket and a role", async () => {
    // Prepare
    dms.assessments['mysql-check-binlog-image'] = 'failed';

    // Act
    const result = await doctor(
      '--assessment-bucket',
      'assessments',
      '--assessment-role',
      'arn:aws:iam::222222222222:role/dms-assess',
    );

    // Assess
    for (const key of BINLOG_ASSESSMENTS.filter((name) => name !== 'mysql-check-binlog-image')) {
      expect(line(result.stdout, `binlog ${key}`)).toMatch(/^PASS/);
    }
    expect(line(result.stdout, 'binlog mysql-check-binlog-image')).toMatch(/^FAIL .*binlog_row_image=FULL/);
    expect(result.code).toBe(1);
  });

  it("reports the loader identity's missing BigQuery permission", async () => {
    // Prepare
    await fetch(`${emulator.url}/_emulator/iam`, {
      method: 'POST',
      body: JSON.stringify({ denied: ['bigquery.tables.updateData'] }),
    });

    // Act
    const result = await doctor();

    // Assess
    expect(
      line(result.stdout, 'loader loader@example-prod-project.iam.gserviceaccount.com on casino_a_cdc.bets'),
    ).toMatch(/^FAIL .*lacks bigquery\.tables\.updateData → fix: grant roles\/bigquery\.dataEditor/);
    expect(
      line(
        result.stdout,
        'loader loader@example-prod-project.iam.gserviceaccount.com on casino_a_cdc.players',
      ),
    ).toMatch(/^SKIP .*first load/);
  });

  it('skips the loader identity under workload identity federation and says why', async () => {
    // Act: the example config as shipped, WIF by default
    const result = await runDms2bq(
      // Each wait between DMS polls is DMS moving one step on.
      [doctorCommand({ sleep: async () => dms.tick() })],
      ['doctor', '--stage', 'prod', '--bigquery-endpoint', emulator.url],
    );

    // Assess
    expect(result.code).toBe(0);
    expect(line(result.stdout, 'loader identity')).toMatch(
      /^SKIP .*workload identity federation: only the loader role \(dms2bq-prod-loader\) can get its token/,
    );
  });

  it('asks for both assessment options together, as a usage error', async () => {
    // Act
    const result = await doctor('--assessment-bucket', 'assessments');

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: '--assessment-bucket and --assessment-role go together\n',
    });
  });
});

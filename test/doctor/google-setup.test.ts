import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { doctorCommand } from '../../cli/commands/operate/doctor.js';
import { setupGcpCommand } from '../../cli/commands/setup/gcp.js';
import { setupCommand } from '../../cli/commands/setup/index.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { runDms2bq } from '../support/cli.js';
import { GoogleFake } from '../support/google-fake.js';

// config/prod.json as shipped (workload identity federation), whose audience names project 000000000002.
const PROJECT = 'example-prod-project';
const FIX = '→ fix: npx dms2bq setup gcp --stage prod --apply';
const sts = mockClient(STSClient);

describe('dms2bq doctor: the steps of setup gcp', () => {
  let emulator: BigQueryEmulator;
  let fake: GoogleFake;
  let endpoint: string;
  const googleLines = (stdout: string) => stdout.split('\n').filter((line) => line.includes(' Google setup'));
  const doctor = () =>
    runDms2bq(
      [doctorCommand({ sleep: async () => {} })],
      ['doctor', '--stage', 'prod', '--bigquery-endpoint', emulator.url, '--google-endpoint', endpoint],
    );

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0, projectId: PROJECT, location: 'EU' });
  });
  afterAll(async () => {
    await emulator.stop();
  });
  beforeEach(async () => {
    // Credentials of another account: doctor skips the AWS checks, which these tests are not about.
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:iam::999999999999:user/x' });
    fake = new GoogleFake(PROJECT, '000000000002');
    endpoint = await fake.start();
  });
  afterEach(async () => {
    sts.reset();
    await fake.stop();
  });

  it('names every missing step of a fresh project with the command that makes it', async () => {
    // Act
    const { code, stdout } = await doctor();

    // Assess
    expect(code).toBe(1);
    const lines = googleLines(stdout);
    expect(lines.map((line) => line.slice(0, 4))).toEqual([...Array(9).fill('FAIL'), 'SKIP', 'FAIL', 'FAIL']);
    for (const line of lines.filter((text) => text.startsWith('FAIL'))) expect(line).toContain(FIX);
    expect(lines[3]).toBe(
      `FAIL  Google setup: workload identity pool dms2bq-prod: missing: create (the stage's AWS roles) ${FIX}`,
    );
    expect(lines[9]).toMatch(/^SKIP {2}Google setup: dataset casino_a_cdc: loader WRITER: no dataset yet/);
  });

  it('passes every step once setup gcp --apply has run', async () => {
    // Prepare
    const setup = await runDms2bq(
      [setupCommand([setupGcpCommand({ sleep: async () => {} })])],
      [
        'setup',
        'gcp',
        '--stage',
        'prod',
        '--google-endpoint',
        endpoint,
        '--bigquery-endpoint',
        emulator.url,
        '--apply',
      ],
    );

    // Act
    const { stdout } = await doctor();

    // Assess
    expect(setup.code, setup.stderr).toBe(0);
    const lines = googleLines(stdout);
    expect(lines).toHaveLength(12);
    expect(lines.filter((line) => !line.startsWith('PASS')).map((line) => line.slice(0, 4))).toEqual([
      'SKIP',
    ]);
  });

  it('names the permission a read needs when Google refuses it', async () => {
    // Prepare
    fake.enabled.add('iam.googleapis.com');
    fake.denied.add('iam.workloadIdentityPools.get');

    // Act
    const { stdout } = await doctor();

    // Assess
    expect(googleLines(stdout)).toContain(
      "FAIL  Google setup: pool (the stage's AWS roles): Google denied iam.workloadIdentityPools.get on projects/000000000002/locations/global/workloadIdentityPools/dms2bq-prod (403 PERMISSION_DENIED) → fix: grant the identity running doctor roles/iam.workloadIdentityPoolAdmin in project example-prod-project (or run doctor as a project Owner), then rerun",
    );
  });
});

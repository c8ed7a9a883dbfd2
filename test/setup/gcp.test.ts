import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupGcpCommand } from '../../cli/commands/setup/gcp.js';
import { setupCommand } from '../../cli/commands/setup/index.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { runDms2bq } from '../support/cli.js';
import { GoogleFake } from '../support/google-fake.js';

// config/prod.json with the fake project's number in the workload identity audience.
const PROJECT = 'example-prod-project';
const NUMBER = '000000000002';
const LOADER = `dms2bq-loader@${PROJECT}.iam.gserviceaccount.com`;
const DEPLOY = `dms2bq-deploy@${PROJECT}.iam.gserviceaccount.com`;
const configDir = mkdtempSync(join(tmpdir(), 'dms2bq-setup-gcp-'));
const prod = JSON.parse(readFileSync('config/prod.json', 'utf8'));
writeFileSync(join(configDir, 'prod.json'), JSON.stringify(prod));
const commands = [setupCommand([setupGcpCommand({ sleep: async () => {} })])];

describe('dms2bq setup gcp', () => {
  let emulator: BigQueryEmulator;
  let fake: GoogleFake;
  let endpoint: string;
  const run = (...extra: string[]) =>
    runDms2bq(commands, [
      'setup',
      'gcp',
      '--stage',
      'prod',
      '--config',
      configDir,
      '--google-endpoint',
      endpoint,
      '--bigquery-endpoint',
      emulator.url,
      ...extra,
    ]);

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0, projectId: PROJECT, location: 'EU' });
  });
  afterAll(async () => {
    await emulator.stop();
    rmSync(configDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    fake = new GoogleFake(PROJECT, NUMBER);
    endpoint = await fake.start();
  });
  afterEach(async () => {
    await fake.stop();
    const bigquery = new BigQuery(emulator.clientOptions);
    const [datasets] = await bigquery.getDatasets();
    for (const dataset of datasets) await dataset.delete({ force: true });
  });

  it('plans every step for a fresh project and changes nothing without --apply', async () => {
    // Act
    const { code, stdout } = await run('--dry-run');

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain(`project ${PROJECT} (number ${NUMBER})`);
    const lines = stdout.split('\n').filter((line) => /^ {2}[A-Z]/.test(line));
    expect(lines.map((line) => line.trim().split(/\s+/)[0])).toEqual([
      'CREATE', // APIs
      'CREATE', // loader service account
      'CREATE', // deploy service account
      'CREATE', // AWS pool
      'CREATE', // AWS provider
      'CREATE', // GitHub pool
      'CREATE', // GitHub provider
      'CREATE', // AWS roles → loader
      'CREATE', // GitHub environment → deploy
      'LATER', // dataset casino_a_cdc (warehouse apply creates it)
      'CREATE', // loader jobUser
      'CREATE', // CD's rights
    ]);
    expect(stdout).toContain(
      'enable iam.googleapis.com, iamcredentials.googleapis.com, sts.googleapis.com, cloudresourcemanager.googleapis.com, bigquerystorage.googleapis.com',
    );
    expect(stdout).toContain(
      "attribute.aws_role in ['arn:aws:sts::222222222222:assumed-role/dms2bq-prod-loader', 'arn:aws:sts::222222222222:assumed-role/dms2bq-prod-reconcile']",
    );
    expect(stdout).toContain('11 change(s) to make; rerun with --apply');
    expect(fake.writes()).toEqual([]);
  });

  it('applies the plan in order, and a second --apply changes nothing', async () => {
    // Act
    const first = await run('--apply');
    const writesOfFirst = fake.writes().length;
    const second = await run('--apply');

    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('applied 11 change(s)');
    expect(writesOfFirst).toBeGreaterThan(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('nothing to change: every step is in place');
    expect(fake.writes()).toHaveLength(writesOfFirst);
    expect(fake.enabled).toContain('bigquerystorage.googleapis.com');
    expect(fake.providers.get('dms2bq-prod/aws')).toMatchObject({
      aws: { accountId: '222222222222' },
      attributeMapping: { 'google.subject': 'assertion.arn' },
    });
    expect(fake.providers.get('github/repo')).toMatchObject({
      oidc: { issuerUri: 'https://token.actions.githubusercontent.com' },
      attributeCondition: "assertion.repository == 'example-org/dms-to-bigquery'",
    });
    expect(fake.serviceAccountPolicies.get(LOADER)?.bindings).toEqual([
      {
        role: 'roles/iam.workloadIdentityUser',
        members: ['loader', 'reconcile'].map(
          (role) =>
            `principalSet://iam.googleapis.com/projects/${NUMBER}/locations/global/workloadIdentityPools/dms2bq-prod/attribute.aws_role/arn:aws:sts::222222222222:assumed-role/dms2bq-prod-${role}`,
        ),
      },
    ]);
    expect(fake.serviceAccountPolicies.get(DEPLOY)?.bindings?.[0]?.members).toEqual([
      `principal://iam.googleapis.com/projects/${NUMBER}/locations/global/workloadIdentityPools/github/subject/repo:example-org/dms-to-bigquery:environment:prod`,
    ]);
    expect(fake.projectPolicy.bindings).toEqual([
      { role: 'roles/bigquery.jobUser', members: [`serviceAccount:${LOADER}`, `serviceAccount:${DEPLOY}`] },
      { role: 'roles/bigquery.dataEditor', members: [`serviceAccount:${DEPLOY}`] },
    ]);
  });

  it('retries with backoff while a service account it just created is not yet visible to IAM', async () => {
    // Prepare
    fake.newAccountPropagationRequests = 3;
    const waits: number[] = [];
    const recording = [setupCommand([setupGcpCommand({ sleep: async (ms) => void waits.push(ms) })])];

    // Act
    const { code, stderr } = await runDms2bq(recording, [
      'setup',
      'gcp',
      '--stage',
      'prod',
      '--config',
      configDir,
      '--google-endpoint',
      endpoint,
      '--bigquery-endpoint',
      emulator.url,
      '--apply',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    // Operation polls wait 2 s; only the backoff of a not-yet-visible account waits 4 s.
    expect(waits).toContain(4_000);
    expect(fake.projectPolicy.bindings).toContainEqual({
      role: 'roles/bigquery.jobUser',
      members: [`serviceAccount:${LOADER}`, `serviceAccount:${DEPLOY}`],
    });
  });

  it('names the missing permission and the role that holds it in one line when Google refuses a step', async () => {
    // Prepare
    fake.denied.add('iam.serviceAccounts.create');

    // Act
    const { code, stderr } = await run('--apply');

    // Assess
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `service account ${LOADER}: Google denied iam.serviceAccounts.create on projects/${PROJECT} (403 PERMISSION_DENIED) → fix: grant the identity running setup roles/iam.serviceAccountAdmin in project ${PROJECT} (or run setup as a project Owner), then rerun`,
    ]);
  });

  it("re-reads the project's policy when someone changed it between read and write (409 ABORTED), keeping their change", async () => {
    // Prepare
    await run('--apply');
    fake.projectPolicy = { ...fake.projectPolicy, bindings: [] };
    fake.concurrentProjectPolicyChanges = 1;

    // Act
    const { code, stderr } = await run('--apply');

    // Assess
    expect(code, stderr).toBe(0);
    expect(fake.projectPolicy.bindings).toContainEqual({
      role: 'roles/viewer',
      members: ['user:someone@example.com'],
    });
    expect(fake.projectPolicy.bindings).toContainEqual({
      role: 'roles/bigquery.dataEditor',
      members: [`serviceAccount:${DEPLOY}`],
    });
  });

  it('gives the loader WRITER on a dataset that exists without it', async () => {
    // Prepare
    await new BigQuery(emulator.clientOptions).createDataset('casino_a_cdc', { location: 'EU' });

    // Act
    const plan = await run();
    const applied = await run('--apply');

    // Assess
    expect(plan.stdout).toContain(
      `CHANGE  dataset casino_a_cdc: loader WRITER: add WRITER for ${LOADER} (includes bigquery.tables.updateData for its CDC tables: Storage Write API)`,
    );
    expect(applied.code, applied.stderr).toBe(0);
    const [metadata] = await new BigQuery(emulator.clientOptions).dataset('casino_a_cdc').getMetadata();
    expect(metadata.access).toContainEqual({ role: 'WRITER', userByEmail: LOADER });
  });

  it('undeletes a pool and a provider deleted within 30 days and updates a provider whose condition drifted', async () => {
    // Prepare
    await run('--apply');
    const pool = fake.pools.get('dms2bq-prod');
    if (pool) pool.state = 'DELETED';
    const provider = fake.providers.get('github/repo');
    if (provider) provider.attributeCondition = 'true';
    const aws = fake.providers.get('dms2bq-prod/aws');
    if (aws) Object.assign(aws, { state: 'DELETED', attributeCondition: 'true' });

    // Act
    const plan = await run('--dry-run');
    const applied = await run('--apply');

    // Assess
    expect(plan.stdout).toContain('CHANGE  workload identity pool dms2bq-prod: undelete');
    expect(plan.stdout).toContain('CHANGE  provider github/repo: update attributeCondition');
    expect(applied.code, applied.stderr).toBe(0);
    expect(plan.stdout).toContain('CHANGE  provider dms2bq-prod/aws: undelete');
    expect(fake.pools.get('dms2bq-prod')?.state).toBe('ACTIVE');
    expect(fake.providers.get('dms2bq-prod/aws')).toMatchObject({
      state: 'ACTIVE',
      attributeCondition: expect.stringContaining('dms2bq-prod-loader'),
    });
    expect(fake.providers.get('github/repo')?.attributeCondition).toBe(
      "assertion.repository == 'example-org/dms-to-bigquery'",
    );
    expect(fake.requests).toContain(
      `PATCH /v1/projects/${PROJECT}/locations/global/workloadIdentityPools/github/providers/repo`,
    );
  });

  it('refuses a workload identity audience of another project, naming the number to put there', async () => {
    // Prepare
    const other = new GoogleFake(PROJECT, '999999999999');
    endpoint = await other.start();

    // Act
    const { code, stderr } = await run('--dry-run').finally(() => other.stop());

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe(
      `${configDir}/prod.json: gcp.credentials.wifConfig.audience names project number ${NUMBER}, but ${PROJECT} is number 999999999999 → fix: put 999999999999 in the audience (//iam.googleapis.com/projects/999999999999/locations/global/workloadIdentityPools/dms2bq-prod/providers/aws)\n`,
    );
  });

  it("with a service-account key, plans no AWS pool and asks for the key's account by name", async () => {
    // Prepare
    const keyConfig = (credentials: Record<string, string>) =>
      writeFileSync(
        join(configDir, 'keyed.json'),
        JSON.stringify({ ...prod, gcp: { ...prod.gcp, credentials } }),
      );
    const secret = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/gcp/loader-key';
    const keyed = (...extra: string[]) =>
      runDms2bq(commands, [
        'setup',
        'gcp',
        '--stage',
        'keyed',
        '--config',
        configDir,
        '--google-endpoint',
        endpoint,
        '--bigquery-endpoint',
        emulator.url,
        ...extra,
      ]);

    // Act
    keyConfig({ mode: 'service-account-key', keySecretArn: secret });
    const unnamed = await keyed();
    keyConfig({ mode: 'service-account-key', keySecretArn: secret, serviceAccountEmail: LOADER });
    const plan = await keyed();

    // Assess
    expect(unnamed.code).toBe(1);
    expect(unnamed.stderr).toMatch(
      /keyed\.json: gcp\.credentials\.serviceAccountEmail is required for setup to create the loader's service account → fix: set it/,
    );
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toContain('workload identity pool dms2bq-');
    expect(plan.stdout).not.toContain('AWS roles');
    expect(plan.stdout).toContain(`CREATE  service account ${LOADER}`);
    expect(plan.stdout).toContain('CREATE  workload identity pool github');
    expect(plan.stdout).toContain('8 change(s) to make');
  });

  it('refuses --dry-run with --apply as a usage error', async () => {
    // Act
    const { code, stderr } = await run('--dry-run', '--apply');

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe('--dry-run and --apply exclude each other: pick one\n');
  });
});

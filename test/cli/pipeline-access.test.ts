import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loaderDatasetAccess } from '../../cli/operate/pipeline-access.js';

const dir = mkdtempSync(join(tmpdir(), 'dms2bq-access-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** config/prod.json with its GCP credentials replaced, written as config `<stage>.json` in a temp dir. */
const stageWith = (stage: string, credentials: Record<string, unknown>): string => {
  const prod = JSON.parse(readFileSync('config/prod.json', 'utf8'));
  writeFileSync(join(dir, `${stage}.json`), JSON.stringify({ ...prod, gcp: { ...prod.gcp, credentials } }));
  return stage;
};
const KEY_SECRET = 'arn:aws:secretsmanager:eu-west-1:222222222222:secret:prod/dms2bq/gcp-key-MnOpQr';

describe("the loader's dataset access, from the stage config", () => {
  it('is WRITER for the service account the workload identity configuration impersonates', () => {
    // Act
    const access = loaderDatasetAccess('prod');

    // Assess
    expect(access).toEqual([
      { role: 'WRITER', userByEmail: 'dms2bq-loader@example-prod-project.iam.gserviceaccount.com' },
    ]);
  });

  it("is WRITER for the key's service account in the key fallback", () => {
    // Prepare
    const stage = stageWith('keyed', {
      mode: 'service-account-key',
      keySecretArn: KEY_SECRET,
      serviceAccountEmail: 'loader-sa@example-prod-project.iam.gserviceaccount.com',
    });

    // Act
    const access = loaderDatasetAccess(stage, dir);

    // Assess
    expect(access).toEqual([
      { role: 'WRITER', userByEmail: 'loader-sa@example-prod-project.iam.gserviceaccount.com' },
    ]);
  });

  it.each([
    [
      'a key without serviceAccountEmail',
      { mode: 'service-account-key', keySecretArn: KEY_SECRET },
      /keyless\.json: gcp\.credentials\.serviceAccountEmail is required .* → fix: set it/,
    ],
    [
      'a workload identity configuration that impersonates no service account',
      {
        mode: 'workload-identity',
        wifConfig: { type: 'external_account', audience: '//iam.googleapis.com/x' },
      },
      /keyless\.json: gcp\.credentials\.wifConfig\.service_account_impersonation_url names no service account → fix: /,
    ],
  ])('refuses %s, naming the field and the fix', (_case, credentials, message) => {
    // Prepare
    const stage = stageWith('keyless', credentials);

    // Act
    const derive = () => loaderDatasetAccess(stage, dir);

    // Assess
    expect(derive).toThrow(message);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantDatasetAccess } from '../../lambdas/shared/warehouse/dataset-access.js';
import { WarehouseAccessError } from '../../lambdas/shared/warehouse/errors.js';
import { type EmulatorFixture, startEmulatorFixture } from '../bigquery-emulator/helpers.js';

const LOADER = 'dms2bq-loader@example-dev-project.iam.gserviceaccount.com';

describe('grantDatasetAccess (through @google-cloud/bigquery against the emulator)', () => {
  let fixture: EmulatorFixture;
  let serial = 0;
  const dataset = async (access?: Record<string, unknown>[]) => {
    const id = `grant_${process.pid}_${serial++}`;
    await fixture.bigquery.createDataset(id, access ? { access } : {});
    return fixture.bigquery.dataset(id);
  };
  const accessOf = async (id: string) => (await fixture.bigquery.dataset(id).getMetadata())[0].access;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('adds the loader’s WRITER entry and keeps every entry the dataset had', async () => {
    // Prepare
    const target = await dataset();

    // Act
    const added = await grantDatasetAccess(target, [{ role: 'WRITER', userByEmail: LOADER }]);

    // Assess
    expect(added).toEqual([{ role: 'WRITER', userByEmail: LOADER }]);
    expect(await accessOf(target.id ?? '')).toEqual([
      { role: 'READER', specialGroup: 'projectReaders' },
      { role: 'WRITER', specialGroup: 'projectWriters' },
      { role: 'OWNER', specialGroup: 'projectOwners' },
      { role: 'WRITER', userByEmail: LOADER },
    ]);
  });

  it.each([
    ['by email, OWNER', { role: 'OWNER', userByEmail: LOADER.toUpperCase() }],
    [
      'as an IAM member, dataEditor',
      { role: 'roles/bigquery.dataEditor', iamMember: `serviceAccount:${LOADER}` },
    ],
  ])('changes nothing when the dataset already gives it (%s)', async (_case, entry) => {
    // Prepare
    const target = await dataset([entry]);
    const before = await accessOf(target.id ?? '');

    // Act
    const added = await grantDatasetAccess(target, [{ role: 'WRITER', userByEmail: LOADER }]);

    // Assess
    expect(added).toEqual([]);
    expect(await accessOf(target.id ?? '')).toEqual(before);
  });

  it('turns the 403 of a dataset the deploy identity does not own into one line naming the fix', async () => {
    // Prepare
    const target = await dataset();
    fixture.emulator.faults.failNext({
      method: 'PATCH',
      path: `/datasets/${target.id}`,
      status: 403,
      reason: 'accessDenied',
      message: `Access Denied: Dataset local-project:${target.id}: Permission bigquery.datasets.update denied on dataset local-project:${target.id} (or it may not exist).`,
    });

    // Act
    const granted = grantDatasetAccess(target, [{ role: 'WRITER', userByEmail: LOADER }]);

    // Assess
    await expect(granted).rejects.toThrow(WarehouseAccessError);
    await expect(granted).rejects.toThrow(
      `dataset ${target.id}: the deploy identity may not change its access (bigquery.datasets.update) → fix: grant the deploy identity roles/bigquery.dataOwner on the dataset, or add WRITER for ${LOADER} by hand (docs/deploy.md section 2.2)`,
    );
    expect(await accessOf(target.id ?? '')).not.toContainEqual({ role: 'WRITER', userByEmail: LOADER });
  });
});

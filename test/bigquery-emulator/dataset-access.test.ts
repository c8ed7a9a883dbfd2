import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiError, type EmulatorFixture, startEmulatorFixture } from './helpers.js';

describe('BigQuery emulator dataset access (through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  let serial = 0;
  const datasetId = () => `access_${process.pid}_${serial++}`;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('gives a dataset created without access the project groups BigQuery adds by default', async () => {
    // Prepare
    const id = datasetId();

    // Act
    await fixture.bigquery.createDataset(id);

    // Assess
    const [metadata] = await fixture.bigquery.dataset(id).getMetadata();
    expect(metadata.access).toEqual([
      { role: 'READER', specialGroup: 'projectReaders' },
      { role: 'WRITER', specialGroup: 'projectWriters' },
      { role: 'OWNER', specialGroup: 'projectOwners' },
    ]);
  });

  it('returns a predefined role in its legacy form', async () => {
    // Prepare
    const id = datasetId();

    // Act
    await fixture.bigquery.createDataset(id, {
      access: [{ role: 'roles/bigquery.dataEditor', userByEmail: 'loader@p.iam.gserviceaccount.com' }],
    });

    // Assess
    const [metadata] = await fixture.bigquery.dataset(id).getMetadata();
    expect(metadata.access).toEqual([{ role: 'WRITER', userByEmail: 'loader@p.iam.gserviceaccount.com' }]);
  });

  it('replaces the whole list on patch, as the reference says: entries left out are gone', async () => {
    // Prepare
    const id = datasetId();
    await fixture.bigquery.createDataset(id);

    // Act
    await fixture.bigquery
      .dataset(id)
      .setMetadata({ access: [{ role: 'WRITER', userByEmail: 'loader@p.iam.gserviceaccount.com' }] });

    // Assess
    const [metadata] = await fixture.bigquery.dataset(id).getMetadata();
    expect(metadata.access).toEqual([{ role: 'WRITER', userByEmail: 'loader@p.iam.gserviceaccount.com' }]);
  });

  it.each([
    [{ role: 'EDITOR', userByEmail: 'a@b.c' }, 'Invalid value for access[0].role: EDITOR'],
    [{ role: 'READER' }, 'Invalid value for access[0]: name exactly one of'],
  ])('refuses the access entry %j with 400 invalid', async (entry, message) => {
    // Prepare
    const id = datasetId();
    await fixture.bigquery.createDataset(id);

    // Act
    const error = await fixture.bigquery
      .dataset(id)
      .setMetadata({ access: [entry] })
      .catch((e: unknown) => e);

    // Assess
    expect(apiError(error)).toEqual({ code: 400, reason: 'invalid' });
    expect((error as Error).message).toContain(message);
  });
});

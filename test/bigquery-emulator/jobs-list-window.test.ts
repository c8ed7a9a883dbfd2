import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, startEmulatorFixture, uniqueJobId } from './helpers.js';

/** jobs.list's documented creation-time window, which `dms2bq status` relies on for "last 24 h". */
describe('BigQuery emulator jobs.list creation-time window', () => {
  let fixture: EmulatorFixture;
  let jobId: string;
  let created: number;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
    jobId = uniqueJobId();
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT 1', jobId });
    created = Number(job.metadata.statistics.creationTime);
  });

  afterAll(async () => {
    await fixture.stop();
  });

  const listed = async (window: { minCreationTime?: string; maxCreationTime?: string }) => {
    const [jobs] = await fixture.bigquery.getJobs({ ...window, allUsers: true, autoPaginate: false });
    return jobs.map((job) => job.id);
  };

  it('lists a job created at minCreationTime (inclusive)', async () => {
    // Act
    const ids = await listed({ minCreationTime: String(created) });

    // Assess
    expect(ids).toContain(jobId);
  });

  it('leaves out jobs created before minCreationTime', async () => {
    // Act
    const ids = await listed({ minCreationTime: String(created + 1) });

    // Assess
    expect(ids).not.toContain(jobId);
  });

  it('leaves out jobs created after maxCreationTime', async () => {
    // Act
    const ids = await listed({ maxCreationTime: String(created - 1) });

    // Assess
    expect(ids).not.toContain(jobId);
  });
});

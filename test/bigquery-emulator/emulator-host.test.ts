import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, startEmulatorFixture } from './helpers.js';

describe('BigQuery emulator reached through BIGQUERY_EMULATOR_HOST', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('serves a client configured by the environment variable instead of apiEndpoint', async () => {
    // Prepare
    process.env.BIGQUERY_EMULATOR_HOST = fixture.emulator.url;
    let bigquery: BigQuery;
    try {
      bigquery = new BigQuery({ projectId: 'local-project', authClient: new PassThroughClient() });
    } finally {
      delete process.env.BIGQUERY_EMULATOR_HOST;
    }

    // Act
    await bigquery.createDataset('via_env');

    // Assess
    const [rows] = await bigquery.query('SELECT 1 AS one');
    expect(rows).toEqual([{ one: 1 }]);
  });
});

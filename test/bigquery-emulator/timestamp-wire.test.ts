import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatSeconds } from '../../local/bigquery-emulator/http/query-results.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';

/**
 * Without formatOptions.useInt64Timestamp, BigQuery sends TIMESTAMP cells as float seconds printed
 * by its Java backend ("1.561017697269367E9"); with it, as integer microseconds. Raw HTTP here, as
 * the production client always asks for int64 micros.
 */
describe('TIMESTAMP cells on the wire', () => {
  let fixture: EmulatorFixture;
  let base: string;
  let dataset: string;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ jobStateDelayMs: 0 });
    dataset = await freshDataset(fixture);
    base = `${fixture.emulator.clientOptions.apiEndpoint}/bigquery/v2/projects/local-project`;
    const [job] = await fixture.bigquery.createQueryJob({
      query: "SELECT TIMESTAMP '2008-12-25 15:30:00.000001+00' AS ts",
      destination: fixture.bigquery.dataset(dataset).table('stamps'),
    });
    await job.getQueryResults();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const cell = async (path: string): Promise<unknown> => {
    const body = (await (await fetch(`${base}${path}`)).json()) as { rows: { f: { v: unknown }[] }[] };
    return body.rows[0]?.f[0]?.v;
  };

  it.each([
    ['tabledata.list', () => `/datasets/${dataset}/tables/stamps/data`],
    ['getQueryResults', () => ''],
  ])('sends float seconds by default through %s', async (_api, path) => {
    // Prepare
    const url = path() || (await queryPath());

    // Act
    const value = await cell(url);

    // Assess
    expect(value).toBe('1.230219000000001E9');
  });

  it('sends integer microseconds with formatOptions.useInt64Timestamp', async () => {
    // Act
    const value = await cell(`/datasets/${dataset}/tables/stamps/data?formatOptions.useInt64Timestamp=true`);

    // Assess
    expect(value).toBe('1230219000000001');
  });

  it.each([
    [0n, '0.0'],
    [86_400_000_000n, '86400.0'],
    [1_704_067_200_000_000n, '1.7040672E9'],
    [-1_000_000_000_000_000n, '-1.0E9'],
  ])('prints %s micros as %s', (micros, expected) => {
    // Act
    const printed = floatSeconds(micros);

    // Assess
    expect(printed).toBe(expected);
  });

  async function queryPath(): Promise<string> {
    const [job] = await fixture.bigquery.createQueryJob({ query: `SELECT ts FROM \`${dataset}.stamps\`` });
    await job.getQueryResults();
    return `/queries/${job.id}`;
  }
});

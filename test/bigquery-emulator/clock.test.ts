import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOCK_OFFSET_ENV,
  clockOffsetFromEnv,
  EmulatorClock,
  SCHEMA_PROPAGATION_ENV,
  schemaPropagationFromEnv,
} from '../../local/bigquery-emulator/clock.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from './helpers.js';

const TEN_DAYS_MS = 10 * 86_400_000;
/** The machine's time must be far from the emulator's for these tests to tell them apart. */
const near = (actual: number, expected: number) => Math.abs(actual - expected) < 60_000;

describe('the emulator clock (through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ clock: new EmulatorClock(-10 * 86_400) });
  });
  afterAll(() => fixture.stop());

  it('dates datasets, tables and jobs by the clock', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);

    // Act
    const [table] = await fixture.bigquery.dataset(dataset).createTable('t', {
      schema: { fields: [{ name: 'id', type: 'INTEGER' }] },
    });
    const [job] = await fixture.bigquery.createQueryJob({ query: 'SELECT 1 AS x' });
    await job.getQueryResults();
    const [jobMetadata] = await job.getMetadata();
    const [datasetMetadata] = await fixture.bigquery.dataset(dataset).getMetadata();

    // Assess
    const now = fixture.emulator.clock.now();
    expect(near(Number(table.metadata.creationTime), now)).toBe(true);
    expect(near(Number(datasetMetadata.creationTime), now)).toBe(true);
    for (const time of ['creationTime', 'startTime', 'endTime'] as const) {
      expect(near(Number(jobMetadata.statistics?.[time]), now)).toBe(true);
    }
    expect(Date.now() - Number(jobMetadata.statistics?.creationTime)).toBeGreaterThan(TEN_DAYS_MS - 60_000);
  });

  it('answers CURRENT_TIMESTAMP, CURRENT_DATE and CURRENT_DATETIME from the clock, in views too', async () => {
    // Prepare
    const dataset = await freshDataset(fixture);
    await fixture.bigquery.query(
      `CREATE VIEW \`${dataset}.now_view\` AS SELECT CURRENT_TIMESTAMP() AS t, CURRENT_DATE AS d`,
    );
    fixture.emulator.clock.advance(-86_400);

    // Act
    const [rows] = await fixture.bigquery.query(
      'SELECT CURRENT_TIMESTAMP() AS t, CURRENT_DATE() AS d, CURRENT_DATETIME() AS dt, CURRENT_TIMESTAMP AS bare',
    );
    const [viewRows] = await fixture.bigquery.query(`SELECT t, d FROM \`${dataset}.now_view\``);

    // Assess
    const now = fixture.emulator.clock.now();
    const today = new Date(now).toISOString().slice(0, 10);
    const [row] = rows as {
      t: { value: string };
      d: { value: string };
      dt: { value: string };
      bare: { value: string };
    }[];
    expect(near(Date.parse(row?.t.value ?? ''), now)).toBe(true);
    expect(near(Date.parse(row?.bare.value ?? ''), now)).toBe(true);
    expect(near(Date.parse(`${row?.dt.value}Z`), now)).toBe(true);
    expect(row?.d.value).toBe(today);
    const [viewRow] = viewRows as { t: { value: string }; d: { value: string } }[];
    expect(near(Date.parse(viewRow?.t.value ?? ''), now)).toBe(true);
    expect(viewRow?.d.value).toBe(today);
  });

  it('reports the clock at GET /_emulator/clock', async () => {
    // Act
    const response = await fetch(`${fixture.emulator.url}/_emulator/clock`);
    const body = (await response.json()) as { now: string; offsetSeconds: number };

    // Assess
    expect(response.status).toBe(200);
    expect(near(Date.parse(body.now), fixture.emulator.clock.now())).toBe(true);
    expect(body.offsetSeconds).toBe(fixture.emulator.clock.offsetSeconds);
  });
});

describe('the clock and delay settings from the environment', () => {
  it.each([
    [{}, 0],
    [{ [CLOCK_OFFSET_ENV]: '-3600' }, -3600],
    [{ [CLOCK_OFFSET_ENV]: '259200' }, 259200],
  ])('reads %j as an offset of %d seconds', (env, seconds) => {
    expect(clockOffsetFromEnv(env)).toBe(seconds);
  });

  it('refuses an offset that is not a number, naming the variable', () => {
    expect(() => clockOffsetFromEnv({ [CLOCK_OFFSET_ENV]: '3d' })).toThrow(
      `${CLOCK_OFFSET_ENV}=3d is not a number of seconds`,
    );
  });

  it.each([
    [{}, 0],
    [{ [SCHEMA_PROPAGATION_ENV]: '600' }, 600],
  ])('reads %j as a propagation delay of %d seconds', (env, seconds) => {
    expect(schemaPropagationFromEnv(env)).toBe(seconds);
  });

  it.each(['-1', 'ten'])('refuses a propagation delay of %s, naming the variable', (value) => {
    expect(() => schemaPropagationFromEnv({ [SCHEMA_PROPAGATION_ENV]: value })).toThrow(
      `${SCHEMA_PROPAGATION_ENV}=${value} is not a number of seconds >= 0`,
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDmsKey } from '../../lambdas/shared/dms/keys.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { applyWarehouse } from '../../lambdas/shared/warehouse/apply.js';
import {
  LOCAL_LOCATION,
  type LocalPipeline,
  startLocalPipeline,
} from '../../local/pipeline/local-pipeline.js';
import { type SimulatedFile, s3Sink, simulate } from '../../local/simulator/index.js';
import { replayAndDrain } from './support.js';

const START = new Date('2026-01-01T00:00:00Z');
/** The forced replay's window: CDC files written from minute 3 (inclusive) to minute 7 (exclusive). */
const FROM = new Date(START.getTime() + 3 * 60_000);
const TO = new Date(START.getTime() + 7 * 60_000);

let pipeline: LocalPipeline;
let files: SimulatedFile[];

/** Rows of every changelog table, keyed `<source>/<schema>/<table>` like the routing table. */
async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [route, { dataset, targetTable }] of Object.entries(pipeline.routing)) {
    const [rows] = await pipeline.bigquery.query({
      query: `SELECT COUNT(*) AS n FROM \`${dataset}.${targetTable}\``,
    });
    counts[route] = Number((rows as { n: unknown }[])[0]?.n);
  }
  return counts;
}

const routeOf = (key: string) => key.split('/').slice(0, 3).join('/');

beforeAll(async () => {
  const mappings = await loadMappingDir('mappings');
  pipeline = await startLocalPipeline({ mappings, notifier: { testEvent: false } });
  await applyWarehouse(
    pipeline.bigquery,
    mappings.map((file) => file.mapping),
    LOCAL_LOCATION,
  );
  ({ files } = await simulate({
    mappings,
    sink: s3Sink(pipeline.aws.s3, pipeline.aws.bucket),
    minutes: 10,
    changesPerMinute: 40,
    initialRowsPerTable: 20,
    start: START,
  }));
  await pipeline.drain();
}, 180_000);

afterAll(async () => {
  await pipeline?.stop();
});

describe('replay end to end through the loader into the local BigQuery', () => {
  it('leaves the warehouse unchanged when a range is replayed twice without force', async () => {
    // Prepare
    const before = await rowCounts();

    // Act
    const first = await replayAndDrain(pipeline, { source: 'casino_a', includeFullLoad: true });
    const second = await replayAndDrain(pipeline, { source: 'casino_a', includeFullLoad: true });

    // Assess
    expect(Math.min(...Object.values(before))).toBeGreaterThan(0);
    expect([first, second]).toEqual([files.length, files.length]);
    expect(await rowCounts()).toEqual(before);
  });

  it('adds exactly one more copy of the rows of each file in the window with force', async () => {
    // Prepare
    const inWindow = files.filter((file) => {
      const time = parseDmsKey(file.key).fileTime?.getTime();
      return time !== undefined && time >= FROM.getTime() && time < TO.getTime();
    });
    const before = await rowCounts();
    const expected = { ...before };
    for (const file of inWindow) expected[routeOf(file.key)] = (expected[routeOf(file.key)] ?? 0) + file.rows;

    // Act
    const enqueued = await replayAndDrain(pipeline, {
      source: 'casino_a',
      from: FROM.toISOString(),
      to: TO.toISOString(),
      force: true,
    });

    // Assess
    expect(inWindow.length).toBeGreaterThan(0);
    expect(enqueued).toBe(inWindow.length);
    expect(await rowCounts()).toEqual(expected);
  });
});

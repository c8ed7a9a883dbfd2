import { afterEach, describe, expect, it } from 'vitest';
import { type CdcStreamer, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { rebuildCurrentTable } from '../../lambdas/shared/warehouse/rebuild-current.js';
import type { RebuildRetry } from '../../lambdas/shared/warehouse/rebuild-retry.js';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { type Change, loadChanges, ordersRoute, tableRows, viewRows } from '../support/changelog.js';

const history: Change[] = [
  { op: 'I', at: '2026-11-01 00:00:00.000000', id: 1, name: 'ann', balance: '10.50' },
  { op: 'I', at: '2026-11-01 00:00:00.000000', id: 2, name: 'bob', balance: '-3.25' },
  {
    op: 'U',
    at: '2026-11-20 10:00:00.000001',
    seq: '20261120100000000010000000000000001',
    id: 1,
    name: 'ann-2',
  },
];

describe('rebuildCurrentTable retries what another attempt can get past', { timeout: 60_000 }, () => {
  let fixture: EmulatorFixture | undefined;
  let streamer: CdcStreamer | undefined;
  afterEach(async () => {
    await streamer?.close();
    await fixture?.stop();
    fixture = undefined;
    streamer = undefined;
  });
  const start = async (options: Parameters<typeof startEmulatorFixture>[0] = {}) => {
    const started = await startEmulatorFixture({ storageWrite: true, ...options });
    fixture = started;
    streamer = createCdcStreamer(started.emulator.storageWrite?.clientOptions ?? {});
    const route = ordersRoute(await freshDataset(started));
    await loadChanges(started, route, history);
    return { f: started, s: streamer, route };
  };
  /** Waits taken on the emulator's clock, recorded. */
  const clockRetry = (f: EmulatorFixture, waits: number[], maxTotalWaitMs = 15 * 60_000): RebuildRetry => ({
    policy: { baseDelayMs: 1_000, maxDelayMs: 30_000 },
    maxTotalWaitMs,
    sleep: async (ms) => {
      waits.push(ms);
      f.emulator.clock.advance(ms / 1000);
    },
  });

  it('streams again after transient AppendRows failures that outlast the client’s own resends', async () => {
    // Prepare: the client resends UNAVAILABLE four times on its own; six refusals outlast that, and
    // RESOURCE_EXHAUSTED (quota) it never resends.
    const { f, s, route } = await start({ clock: new EmulatorClock() });
    f.emulator.faults.failAppendRows({ code: 'UNAVAILABLE', times: 6 });
    f.emulator.faults.failAppendRows({ code: 'RESOURCE_EXHAUSTED', times: 1 });
    const waits: number[] = [];
    const retried: string[] = [];

    // Act
    const result = await rebuildCurrentTable({
      bigquery: f.bigquery,
      route,
      streamer: s,
      tombstonesSince: null,
      retry: clockRetry(f, waits),
      onRetry: (error) => retried.push(error.code),
    });

    // Assess
    expect(f.emulator.faults.injected).toBe(7);
    expect(retried.length).toBeGreaterThanOrEqual(2);
    expect(retried).toContain('RESOURCE_EXHAUSTED');
    expect(result).toMatchObject({ upserts: 2, deletes: 0 });
    expect(await tableRows(f.bigquery, route)).toEqual(await viewRows(f.bigquery, route));
  });

  it('waits for the table it created again to reach the Storage Write API (NOT_FOUND meanwhile)', async () => {
    // Prepare: a first rebuild creates the table; the second drops and recreates it under the same name.
    const { f, s, route } = await start({ clock: new EmulatorClock(), schemaPropagationSeconds: 600 });
    await rebuildCurrentTable({ bigquery: f.bigquery, route, streamer: s, tombstonesSince: null });
    const waits: number[] = [];
    const retried: string[] = [];
    const recreatedAt = f.emulator.clock.now();

    // Act
    const result = await rebuildCurrentTable({
      bigquery: f.bigquery,
      route,
      streamer: s,
      tombstonesSince: null,
      retry: clockRetry(f, waits),
      onRetry: (error) => retried.push(error.code),
    });

    // Assess: it streamed only once the emulator's clock had passed the propagation delay, mostly by
    // the waits (the clock also runs in real time, so the waits alone may fall short of 600 s by that).
    expect(new Set(retried)).toEqual(new Set(['NOT_FOUND']));
    expect(f.emulator.clock.now() - recreatedAt).toBeGreaterThanOrEqual(600_000);
    expect(waits.reduce((sum, ms) => sum + ms, 0)).toBeGreaterThan(590_000);
    expect(result).toMatchObject({ upserts: 2 });
    expect(await tableRows(f.bigquery, route)).toEqual(await viewRows(f.bigquery, route));
  });

  it('gives up once the waits would pass their bound, saying to run it again', async () => {
    // Prepare
    const { f, s, route } = await start({ clock: new EmulatorClock() });
    f.emulator.faults.failAppendRows({ code: 'RESOURCE_EXHAUSTED', times: 100 });

    // Act
    const rebuild = rebuildCurrentTable({
      bigquery: f.bigquery,
      route,
      streamer: s,
      tombstonesSince: null,
      retry: clockRetry(f, [], 5_000),
    });

    // Assess
    await expect(rebuild).rejects.toThrow(
      /RESOURCE_EXHAUSTED: still failing after \d+ attempts .*run the rebuild again/,
    );
  });
});

import { fileURLToPath } from 'node:url';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline/local-pipeline.js';
import { DailySimulator, s3Sink } from '../../local/simulator/index.js';
import { checkDay, checkPassed } from './check.js';
import { deliverAgain, parkInDlq, redriveDlq, replay } from './injections.js';
import type { ScenarioName, SoakOptions } from './options.js';
import { billing, type DayReport, dayLine, type SoakReport } from './report.js';
import { ScheduledReconcile } from './scheduled-reconcile.js';

export const SOAK_MAPPINGS = fileURLToPath(new URL('./mappings', import.meta.url));
const SOURCE = 'soak';
const BIG_TABLE = 'soak/shop/events';
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Where an operator's or another system's step joins the soak. DMS's word that a reload completed
 * reaches the pipeline as deployed: the scheduled reconciliation runs after every slice, with the
 * simulator's truth standing in for DMS's table statistics (scheduled-reconcile.ts).
 */
export interface SoakHooks {
  /** After the reload's files drained: the reloaded `<source>/<schema>/<table>` routes and the reload's start. */
  afterReload?: (pipeline: LocalPipeline, routes: string[], reloadStart: Date) => Promise<void>;
}

interface Landed {
  key: string;
  day: number;
  kind: 'load' | 'cdc';
}

/**
 * Days of DMS traffic through the real local pipeline on the emulator's clock, with the enabled
 * scenarios injected; at each day's end every `_current` is compared with the simulator's truth
 * and, for CDC-table routes, with the view query over the changelog (ADR 0050).
 */
export async function runSoak(
  options: SoakOptions,
  log: (line: string) => void = () => {},
  hooks: SoakHooks = {},
): Promise<SoakReport> {
  const started = Date.now();
  const on = (name: ScenarioName) => options.scenarios[name];
  const mappings = (await loadMappingDir(SOAK_MAPPINGS)).map((file) => ({
    ...file,
    mapping: {
      ...file.mapping,
      dms: { ...file.mapping.dms, cdcMaxBatchIntervalSeconds: options.cdcIntervalSeconds },
    },
  }));
  const pipeline = await startLocalPipeline({
    mappings,
    notifier: { testEvent: false },
    schemaPropagationSeconds: on('propagation-delay') ? options.schemaPropagationSeconds : 0,
  });
  const reconciliation = new ScheduledReconcile(pipeline);
  try {
    const { clock } = pipeline.emulator;
    const moveClockTo = (ms: number) => {
      const now = clock.now();
      if (ms > now) clock.advance((ms - now) / 1000);
    };
    const drain = async () => {
      // The loader's backoff runs on the machine's time; BigQuery's delays on the emulator's clock.
      const tickMs = 250;
      const timer = setInterval(() => clock.advance((options.drainClockRate * tickMs) / 1000), tickMs);
      try {
        await pipeline.drain(900_000);
      } finally {
        clearInterval(timer);
      }
    };
    const t0 = Math.ceil(clock.now() / HOUR_MS) * HOUR_MS;
    moveClockTo(t0);
    const big = on('big-full-load');
    const perFile = Math.max(options.initialRows, big ? options.bigFullLoadRows : 0);
    const sim = new DailySimulator({
      mappings,
      sink: s3Sink(pipeline.aws.s3, pipeline.aws.bucket),
      seed: options.seed,
      start: new Date(t0),
      initialRows: (route) => (route === BIG_TABLE && big ? options.bigFullLoadRows : options.initialRows),
      fullLoadRowsPerFile: perFile,
      parquet: { parquetVersion: 1, gzip: false, rowGroupLength: options.rowGroupLength },
    });
    const landed: Landed[] = [];
    const tables = Object.values(pipeline.routing)
      .filter((route) => route.source === SOURCE)
      .map((route) => `${route.source}/${route.schema}/${route.table}`)
      .sort();

    await pipeline.applyWarehouse();
    const fullLoad = await sim.fullLoad();
    await drain();
    await pipeline.applyWarehouse();
    log(
      `full load: ${fullLoad.length} files${big ? `, ${BIG_TABLE} ${options.bigFullLoadRows} rows in one file` : ''}`,
    );

    const alterDay = Math.min(1, options.days - 1);
    const reloadDay = Math.min(options.lateDays, options.days - 1);
    const sliceMs = DAY_MS / options.slicesPerDay;
    const perSlice = Math.floor(options.changesPerDay / options.slicesPerDay);
    const parked = new Set<string>();
    let billedFrom = clock.now();
    const days: DayReport[] = [];

    for (let d = 0; d < options.days; d++) {
      const report: DayReport = {
        day: d,
        files: 0,
        rows: 0,
        replayed: 0,
        lateDuplicates: 0,
        redriven: 0,
        deadLettered: [],
        events: [],
        jobs: 0,
        bytesBilled: 0,
        checks: [],
        passed: false,
      };
      const dayStart = t0 + d * DAY_MS;
      const count = (files: { key: string; rows: number; kind: 'load' | 'cdc' }[]) => {
        for (const file of files) landed.push({ key: file.key, day: d, kind: file.kind });
        report.files += files.length;
        report.rows += files.reduce((sum, file) => sum + file.rows, 0);
      };
      if (d === 0) count(fullLoad);

      if (d >= options.lateDays) {
        const old = d - options.lateDays;
        await injectLate(pipeline, landed, old, d === options.lateDays, on, report, parked, dayStart);
        await drain();
      }

      for (let s = 0; s < options.slicesPerDay; s++) {
        const from = dayStart + s * sliceMs;
        if (d === alterDay && s === Math.floor(options.slicesPerDay / 2)) {
          if (on('add-column')) {
            sim.addColumn('soak/shop/orders');
            sim.addColumn('soak/shop/customers');
            report.events.push('ADD COLUMN on shop.orders (CDC table) and shop.customers (view)');
          }
          if (on('widen')) {
            sim.widen('soak/shop/orders', 'amount', 'decimal(38,10)');
            sim.widen('soak/shop/orders', 'qty', 'bigint');
            sim.widen('soak/shop/payments', 'units', 'decimal(20,4)');
            sim.widen('soak/shop/customers', 'balance', 'decimal(38,10)');
            report.events.push(
              'MODIFY orders.amount DECIMAL(7,2)→DECIMAL(38,10), orders.qty INT→BIGINT, payments.units INT→DECIMAL(20,4), customers.balance DECIMAL(7,2)→DECIMAL(38,10)',
            );
          }
        }
        const gap = on('reload-after-gap') && d === reloadDay && s === options.slicesPerDay - 1;
        moveClockTo(from + sliceMs + 1000);
        count(await sim.changes(from * 1000, sliceMs * 1000, perSlice, !gap));
        if (gap) {
          const at = (from + sliceMs) * 1000;
          for (const route of tables) count(await sim.reload(route, at));
          report.events.push(
            `task stopped ${new Date(from).toISOString()}–${new Date(from + sliceMs).toISOString()} (${perSlice} source changes not captured), then every table reloaded`,
          );
        }
        await drain();
        // The reconciliation's schedule (15 minutes deployed) has run at least once since the files landed.
        await reconciliation.run(sim.truth());
        if (gap && hooks.afterReload) {
          await hooks.afterReload(pipeline, tables, new Date(from + sliceMs));
          await drain();
        }
      }

      if (on('redrive')) {
        const moved = await redriveDlq(pipeline);
        report.redriven = moved.length;
        report.deadLettered = moved.filter((key) => !parked.delete(key));
        await drain();
      } else {
        report.deadLettered = await pipeline.deadLetteredKeys();
      }
      const checkFrom = clock.now();
      Object.assign(report, await billing(pipeline.bigquery, billedFrom, checkFrom));
      report.checks = await checkDay(
        pipeline.bigquery,
        pipeline.emulator.projectId,
        pipeline.routing,
        sim.truth(),
      );
      billedFrom = clock.now();
      report.passed = report.deadLettered.length === 0 && report.checks.every(checkPassed);
      days.push(report);
      log(dayLine(report));
    }
    return { options, days, wallMs: Date.now() - started, passed: days.every((day) => day.passed) };
  } finally {
    await reconciliation.close();
    await pipeline.stop();
  }
}

/** Replays, late duplicates and DLQ parking of day `old`'s files, `lateDays` after they landed. */
async function injectLate(
  pipeline: LocalPipeline,
  landed: readonly Landed[],
  old: number,
  first: boolean,
  on: (name: ScenarioName) => boolean,
  report: DayReport,
  parked: Set<string>,
  dayStart: number,
): Promise<void> {
  const cdcOf = (table: string) =>
    landed.filter((f) => f.day === old && f.kind === 'cdc' && f.key.startsWith(`${table}/`));
  const oldStart = dayStart - (report.day - old) * DAY_MS;
  if (on('replay')) {
    const window = {
      from: new Date(oldStart).toISOString(),
      to: new Date(oldStart + DAY_MS / 2).toISOString(),
    };
    report.replayed += await replay(pipeline, { source: SOURCE, table: 'shop.orders', ...window });
    report.events.push(`replay shop.orders ${window.from}–${window.to}`);
    if (first) {
      report.replayed += await replay(pipeline, {
        source: SOURCE,
        table: 'shop.orders',
        includeFullLoad: true,
        ...window,
      });
      report.events.push('replay shop.orders with includeFullLoad');
    }
  }
  if (on('late-duplicate')) {
    const keys = cdcOf('soak/shop/payments')
      .slice(0, 3)
      .map((f) => f.key);
    if (first) keys.push('soak/shop/payments/LOAD00000001.parquet');
    await deliverAgain(pipeline, keys);
    report.lateDuplicates += keys.length;
    report.events.push(`S3 delivers ${keys.length} files of day ${old} again`);
  }
  if (on('redrive')) {
    const keys = [...cdcOf('soak/shop/orders').slice(-2), ...cdcOf('soak/shop/customers').slice(-1)].map(
      (f) => f.key,
    );
    for (const key of keys) parked.add(key);
    await parkInDlq(pipeline, keys);
    report.events.push(`${keys.length} files of day ${old} parked in the DLQ, redriven at the day's end`);
  }
}

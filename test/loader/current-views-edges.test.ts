import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CurrentViewError, CurrentViews } from '../../lambdas/loader/current-views.js';
import { Deadline, type RetryPolicy } from '../../lambdas/shared/bigquery/deadline.js';
import type { Route } from '../../lambdas/shared/routing.js';
import { historyViewQuery } from '../../lambdas/shared/warehouse/history-query.js';
import { currentViewQuery } from '../../lambdas/shared/warehouse/views.js';
import { type EmulatorFixture, freshDataset, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { loadChanges, ordersRoute } from '../support/changelog.js';
import { captureConsole } from './logs.js';

const retry: RetryPolicy = { baseDelayMs: 1, maxDelayMs: 1 };
/** A budget no test reaches: the clock it reads is fixed. */
const ample = () => new Deadline(3_600_000, () => 0);

/** The info and warning lines of a Powertools logger, parsed (POWERTOOLS_DEV prints through console). */
function capturedLogger() {
  const output = captureConsole();
  vi.stubEnv('POWERTOOLS_DEV', 'true');
  const logger = new Logger({ serviceName: 'dms2bq-loader-test', logLevel: 'INFO' });
  vi.unstubAllEnvs();
  return {
    logger,
    /** level, message and view of each info and warning line. */
    logged: () =>
      output
        .logs()
        .filter(({ method }) => method === 'info' || method === 'warn')
        .map(({ method, line }) => ({ level: method.toUpperCase(), message: line.message, view: line.view })),
  };
}

describe('CurrentViews against the BigQuery emulator', { timeout: 60_000 }, () => {
  let fixture: EmulatorFixture;

  beforeAll(async () => {
    fixture = await startEmulatorFixture();
  });
  afterAll(async () => fixture?.stop());
  afterEach(() => {
    fixture.emulator.faults.reset();
    vi.restoreAllMocks();
  });

  /** A view-mode route whose changelog the first load has just created (one row). */
  const loadedRoute = async (): Promise<Route> => {
    const route: Route = { ...ordersRoute(await freshDataset(fixture)), current: 'view' };
    await loadChanges(fixture, route, [{ op: 'I', at: '2026-11-01 00:00:00.000001', id: 1, name: 'a' }]);
    return route;
  };
  const table = (route: Route, name: string) => fixture.bigquery.dataset(route.dataset).table(name);

  it('creates <table>_current as the GoogleSQL view of the changelog and says so once', async () => {
    // Prepare
    const route = await loadedRoute();
    const { logger, logged } = capturedLogger();

    // Act
    await new CurrentViews(fixture.bigquery, logger).ensure(route, ample(), retry);

    // Assess
    const [metadata] = await table(route, 'orders_current').getMetadata();
    expect(metadata.type).toBe('VIEW');
    expect(metadata.view).toEqual({
      query: currentViewQuery(fixture.emulator.projectId, route),
      useLegacySql: false,
    });
    expect(logged()).toEqual([
      {
        level: 'INFO',
        message: 'created the current-state view after the first load',
        view: `${route.dataset}.orders_current`,
      },
    ]);
  });

  it('says nothing of a view another container (or apply) already made', async () => {
    // Prepare
    const route = await loadedRoute();
    await new CurrentViews(fixture.bigquery, capturedLogger().logger).ensure(route, ample(), retry);
    vi.restoreAllMocks();
    const { logger, logged } = capturedLogger();

    // Act: a cold container's first ensure meets the view.
    await new CurrentViews(fixture.bigquery, logger).ensure(route, ample(), retry);

    // Assess
    expect(logged()).toEqual([]);
  });

  it('leaves a CDC table under _current and warns that apply puts the view back', async () => {
    // Prepare
    const route = await loadedRoute();
    await fixture.bigquery.dataset(route.dataset).createTable('orders_current', {
      schema: { fields: [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }] },
      tableConstraints: { primaryKey: { columns: ['id'] } },
      clustering: { fields: ['id'] },
    });
    const { logger, logged } = capturedLogger();

    // Act
    await new CurrentViews(fixture.bigquery, logger).ensure(route, ample(), retry);

    // Assess
    const [metadata] = await table(route, 'orders_current').getMetadata();
    expect(metadata.type).toBe('TABLE');
    expect(logged()).toEqual([
      {
        level: 'WARN',
        message:
          'the mapping says "current": "view", but _current is a CDC table; the loader leaves it (ADR 0042): run dms2bq warehouse apply to put the view back',
        view: `${route.dataset}.orders_current`,
      },
    ]);
  });

  it('creates <table>_history and says so once, silent when it is there', async () => {
    // Prepare
    const route = await loadedRoute();
    const { logger, logged } = capturedLogger();

    // Act
    await new CurrentViews(fixture.bigquery, logger).ensureHistory(route, ample(), retry);
    const afterCreate = logged();
    await new CurrentViews(fixture.bigquery, logger).ensureHistory(route, ample(), retry);

    // Assess
    expect(logged()).toEqual(afterCreate);
    const [metadata] = await table(route, 'orders_history').getMetadata();
    expect(metadata.view).toEqual({
      query: historyViewQuery(fixture.emulator.projectId, route),
      useLegacySql: false,
    });
    expect(afterCreate).toEqual([
      {
        level: 'INFO',
        message: 'created the history view after the first load',
        view: `${route.dataset}.orders_history`,
      },
    ]);
  });

  it('asks BigQuery once per view and container: a view dropped later is not made again', async () => {
    // Prepare
    const route = await loadedRoute();
    const views = new CurrentViews(fixture.bigquery, capturedLogger().logger);
    await views.ensure(route, ample(), retry);
    await views.ensureHistory(route, ample(), retry);
    await table(route, 'orders_current').delete();
    await table(route, 'orders_history').delete();

    // Act
    await views.ensure(route, ample(), retry);
    await views.ensureHistory(route, ample(), retry);

    // Assess: the container remembered both; a new one would look again.
    expect((await table(route, 'orders_current').exists())[0]).toBe(false);
    expect((await table(route, 'orders_history').exists())[0]).toBe(false);
    await new CurrentViews(fixture.bigquery, capturedLogger().logger).ensure(route, ample(), retry);
    expect((await table(route, 'orders_current').exists())[0]).toBe(true);
  });

  it('keeps the history view apart from the current one in what it remembers', async () => {
    // Prepare
    const route = await loadedRoute();
    const other: Route = { ...route, targetTable: 'orders2' };
    await loadChanges(fixture, other, [{ op: 'I', at: '2026-11-01 00:00:00.000001', id: 1 }]);
    const views = new CurrentViews(fixture.bigquery, capturedLogger().logger);

    // Act
    await views.ensureHistory(route, ample(), retry);
    await views.ensureHistory(other, ample(), retry);

    // Assess
    expect((await table(route, 'orders_history').exists())[0]).toBe(true);
    expect((await table(route, 'orders2_history').exists())[0]).toBe(true);
  });

  it('fails with CurrentViewError naming the table, the view and BigQuery’s reason', async () => {
    // Prepare
    const route = await loadedRoute();
    const denied = `Access Denied: Dataset ${fixture.emulator.projectId}:${route.dataset}: Permission bigquery.tables.create denied`;
    fixture.emulator.faults.failNext({
      method: 'POST',
      path: new RegExp(`/datasets/${route.dataset}/tables$`),
      status: 403,
      reason: 'accessDenied',
      message: denied,
    });

    // Act
    const error = await new CurrentViews(fixture.bigquery, capturedLogger().logger)
      .ensure(route, ample(), retry)
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(CurrentViewError);
    expect((error as Error).name).toBe('CurrentViewError');
    expect((error as Error).message).toBe(
      `${route.dataset}.orders is loaded, but its view ${route.dataset}.orders_current could not be created: ${denied}`,
    );
    expect(((error as Error).cause as { code?: number }).code).toBe(403);
  });

  it('names the view in the error when the time budget ran out before creating it', async () => {
    // Prepare
    const route = await loadedRoute();
    const spent = new Deadline(0, () => 0);

    // Act
    const error = await new CurrentViews(fixture.bigquery, capturedLogger().logger)
      .ensureHistory(route, spent, retry)
      .catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).message).toBe(
      `${route.dataset}.orders is loaded, but its view ${route.dataset}.orders_history could not be created: out of time before create ${route.dataset}.orders_history; the record will be retried`,
    );
    expect(((error as Error).cause as Error).name).toBe('TimeBudgetError');
  });
});

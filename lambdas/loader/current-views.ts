import type { Logger } from '@aws-lambda-powertools/logger';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import { withRetry } from '../shared/bigquery/jobs.js';
import { currentViewName, historyViewName } from '../shared/mappings/bigquery-names.js';
import type { Route } from '../shared/routing.js';
import { ensureCurrentView } from '../shared/warehouse/current-view.js';
import { ensureHistoryView } from '../shared/warehouse/history-view.js';

/** The file is in BigQuery, but the table's `_current` view could not be created. */
export class CurrentViewError extends Error {
  override name = 'CurrentViewError';
}

/**
 * Makes sure every table the loader writes has its `<table>_current` view (view mode) and its
 * `<table>_history` view (unless the mapping turns it off). A mapping without
 * declared columns gets its changelog table from the first load, after the deploy's
 * `warehouse apply` has run, so nothing else would create the view until the next deploy. One
 * tables.get per table per container; tables.insert only when the view is missing.
 */
export class CurrentViews {
  private readonly present = new Set<string>();

  constructor(
    private readonly bigquery: BigQuery,
    private readonly logger: Logger,
  ) {}

  async ensure(route: Route, deadline: Deadline, retry: RetryPolicy): Promise<void> {
    const view = `${route.dataset}.${currentViewName(route.targetTable)}`;
    const outcome = await this.once(
      view,
      route,
      () => ensureCurrentView(this.bigquery, route),
      deadline,
      retry,
    );
    if (outcome === 'created')
      this.logger.info('created the current-state view after the first load', { view });
    if (outcome === 'table-left')
      this.logger.warn(
        'the mapping says "current": "view", but _current is a CDC table; the loader leaves it (ADR 0042): run dms2bq warehouse apply to put the view back',
        { view },
      );
  }

  /** `<target>_history`, for either mode of `_current`: one tables.get per table per container. */
  async ensureHistory(route: Route, deadline: Deadline, retry: RetryPolicy): Promise<void> {
    const view = `${route.dataset}.${historyViewName(route.targetTable)}`;
    const outcome = await this.once(
      view,
      route,
      () => ensureHistoryView(this.bigquery, route),
      deadline,
      retry,
    );
    if (outcome === 'created') this.logger.info('created the history view after the first load', { view });
  }

  /** Runs `create` for `view` once per container, with retries; undefined when already present. */
  private async once<T>(
    view: string,
    route: Route,
    create: () => Promise<T>,
    deadline: Deadline,
    retry: RetryPolicy,
  ): Promise<T | undefined> {
    if (this.present.has(view)) return undefined;
    let outcome: T;
    try {
      outcome = await withRetry(create, `create ${view}`, deadline, retry);
    } catch (error) {
      // The record fails and comes back: its load is then a duplicate and the view is tried again.
      throw new CurrentViewError(
        `${route.dataset}.${route.targetTable} is loaded, but its view ${view} could not be created: ${(error as Error).message}`,
        { cause: error },
      );
    }
    this.present.add(view);
    return outcome;
  }
}

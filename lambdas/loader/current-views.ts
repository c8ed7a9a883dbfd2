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
    if (this.present.has(view)) return;
    let outcome: Awaited<ReturnType<typeof ensureCurrentView>>;
    try {
      outcome = await withRetry(
        () => ensureCurrentView(this.bigquery, route),
        `create ${view}`,
        deadline,
        retry,
      );
    } catch (error) {
      // The record fails and comes back: its load is then a duplicate and the view is tried again.
      throw new CurrentViewError(
        `${route.dataset}.${route.targetTable} is loaded, but its view ${view} could not be created: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (outcome === 'created')
      this.logger.info('created the current-state view after the first load', { view });
    if (outcome === 'replaced-table')
      this.logger.info('replaced the CDC table under _current with the view the mapping asks for', { view });
    this.present.add(view);
  }

  /** `<target>_history`, for either mode of `_current`: one tables.get per table per container. */
  async ensureHistory(route: Route, deadline: Deadline, retry: RetryPolicy): Promise<void> {
    const view = `${route.dataset}.${historyViewName(route.targetTable)}`;
    if (this.present.has(view)) return;
    let outcome: Awaited<ReturnType<typeof ensureHistoryView>>;
    try {
      outcome = await withRetry(
        () => ensureHistoryView(this.bigquery, route),
        `create ${view}`,
        deadline,
        retry,
      );
    } catch (error) {
      throw new CurrentViewError(
        `${route.dataset}.${route.targetTable} is loaded, but its view ${view} could not be created: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (outcome === 'created') this.logger.info('created the history view after the first load', { view });
    this.present.add(view);
  }
}

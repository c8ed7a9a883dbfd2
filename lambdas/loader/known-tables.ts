import type { BigQuery } from '@google-cloud/bigquery';
import type { Deadline, RetryPolicy } from '../shared/bigquery/deadline.js';
import { withRetry } from '../shared/bigquery/jobs.js';
import type { Route } from '../shared/routing.js';

/**
 * Which changelog tables exist, learned once per table per container (one tables.get). BigQuery
 * fails a load into an existing table whose partitioning or clustering differs from the load's
 * ("Incompatible table partitioning specification"), and takes the table's own layout when the load
 * states none; so only a load that creates the table states the layout. A table created another way,
 * or clustered by a primary key the mapping has since changed, then still loads.
 */
export class KnownTables {
  private readonly present = new Set<string>();

  constructor(private readonly bigquery: BigQuery) {}

  /** True when the table exists; a table seen once is not looked up again by this container. */
  async exists(route: Route, deadline: Deadline, retry: RetryPolicy): Promise<boolean> {
    const name = `${route.dataset}.${route.targetTable}`;
    if (this.present.has(name)) return true;
    const [exists] = await withRetry(
      () => this.bigquery.dataset(route.dataset).table(route.targetTable).exists(),
      `look up ${name}`,
      deadline,
      retry,
    );
    if (exists) this.present.add(name);
    return exists;
  }

  /** After a successful load the table exists, whoever created it. */
  loaded(route: Route): void {
    this.present.add(`${route.dataset}.${route.targetTable}`);
  }
}

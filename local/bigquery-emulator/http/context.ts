import type { EmulatorClock } from '../clock.js';
import type { FaultInjector } from '../faults.js';
import type { JobRunner } from '../jobs/runner.js';
import type { QueryRunner } from '../query/execute.js';
import type { Catalog } from '../store/catalog.js';
import type { JobStore } from '../store/jobs.js';
import type { Warehouse } from '../store/warehouse.js';

/** Everything the route handlers work with. */
export interface Services {
  projectId: string;
  location: string;
  warehouse: Warehouse;
  catalog: Catalog;
  jobs: JobStore;
  runner: JobRunner;
  queries: QueryRunner;
  faults: FaultInjector;
  uploadDir: string;
  clock: EmulatorClock;
}

/** The page of `items` that maxResults/pageToken select (the token is an offset). */
export function page<T>(items: T[], query: URLSearchParams): { items: T[]; nextPageToken?: string } {
  const start = Number(query.get('pageToken') ?? query.get('startIndex') ?? 0) || 0;
  const max = Number(query.get('maxResults') ?? 0) || items.length || 1;
  const selected = items.slice(start, start + max);
  return start + max < items.length
    ? { items: selected, nextPageToken: String(start + max) }
    : { items: selected };
}

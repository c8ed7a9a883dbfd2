import { rm } from 'node:fs/promises';
import type { EmulatorClock } from '../clock.js';
import { JobFailureError } from '../errors.js';
import type { InjectedJobFailure } from '../faults.js';
import { executeLoad, type LoadConfiguration } from '../load/execute-load.js';
import type { QueryOptions, QueryRunner } from '../query/execute.js';
import type { Catalog } from '../store/catalog.js';
import type { JobResource, JobStore } from '../store/jobs.js';
import type { Warehouse } from '../store/warehouse.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Moves jobs through PENDING → RUNNING → DONE in the background. Each state lasts at least
 * `stateDelayMs`, so clients see the intermediate states and really poll, as against BigQuery.
 */
export class JobRunner {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: JobStore,
    private readonly warehouse: Warehouse,
    private readonly catalog: Catalog,
    private readonly queries: QueryRunner,
    private readonly stateDelayMs: number,
    private readonly clock: EmulatorClock,
  ) {}

  /** Runs a load from an uploaded file; the file is deleted when the job ends. */
  submitLoad(
    job: JobResource,
    config: LoadConfiguration,
    filePath: string,
    fileBytes: number,
    injectFailure: InjectedJobFailure | undefined,
  ): void {
    this.track(
      job,
      injectFailure,
      async () => ({
        statistics: await executeLoad(
          this.warehouse,
          this.catalog,
          config,
          filePath,
          fileBytes,
          this.clock.now(),
        ),
      }),
      () => rm(filePath, { force: true }),
    );
  }

  submitQuery(
    job: JobResource,
    query: string,
    options: QueryOptions,
    injectFailure: InjectedJobFailure | undefined,
  ): void {
    this.track(job, injectFailure, async () => {
      const outcome = await this.queries.run(query, options);
      this.store.setResult(job, outcome.result);
      return { statistics: outcome.statistics };
    });
  }

  /** Waits for every job in flight (used by stop). */
  async idle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  private track(
    job: JobResource,
    injectFailure: InjectedJobFailure | undefined,
    work: () => Promise<{ statistics: Record<string, unknown> }>,
    cleanup?: () => Promise<void>,
  ): void {
    const run = this.lifecycle(job, injectFailure, work)
      .then(cleanup)
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async lifecycle(
    job: JobResource,
    injectFailure: InjectedJobFailure | undefined,
    work: () => Promise<{ statistics: Record<string, unknown> }>,
  ) {
    await sleep(this.stateDelayMs);
    this.store.start(job);
    const started = Date.now();
    let outcome: { statistics?: Record<string, unknown>; failure?: JobFailureError };
    try {
      // An injected failure leaves no trace, as BigQuery's atomic jobs do: the work is skipped.
      outcome = injectFailure
        ? {
            failure: new JobFailureError(
              injectFailure.reason,
              injectFailure.message,
              undefined,
              injectFailure.details,
            ),
          }
        : await work();
    } catch (error) {
      outcome = {
        failure:
          error instanceof JobFailureError
            ? error
            : new JobFailureError('backendError', `Internal emulator error: ${String(error)}`),
      };
    }
    await sleep(Math.max(0, this.stateDelayMs - (Date.now() - started)));
    this.store.finish(job, outcome);
  }
}

import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';

export interface EmulatorClient {
  emulator: BigQueryEmulator;
  /** The production client, pointed at the emulator, with the client's own retries off. */
  bigquery: BigQuery;
}

/**
 * Starts an emulator on a free port for the enclosing describe, with `dataset` created and faults
 * cleared after each test; read the fields inside tests (they are set in beforeAll).
 */
export function useEmulatorClient(
  dataset: string,
  options: { jobStateDelayMs?: number } = {},
): EmulatorClient {
  const fixture = {} as EmulatorClient;
  beforeAll(async () => {
    fixture.emulator = await startBigQueryEmulator({
      port: 0,
      jobStateDelayMs: options.jobStateDelayMs ?? 0,
    });
    fixture.bigquery = createBigQueryClient({
      projectId: fixture.emulator.projectId,
      location: fixture.emulator.location,
      credentials: { kind: 'none' },
      apiEndpoint: fixture.emulator.url,
      retryOptions: { autoRetry: false },
    });
    await fixture.bigquery.createDataset(dataset, { location: fixture.emulator.location });
  });
  afterEach(() => fixture.emulator?.faults.reset());
  afterAll(async () => fixture.emulator?.stop());
  return fixture;
}

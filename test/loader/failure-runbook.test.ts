import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmsParquet, s3Notification } from './fixtures.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';
import { capturingLogger } from './logs.js';

const DLQ_RUNBOOK = 'docs/runbooks/dlq-not-empty.md';

/**
 * The runbook a failed file's error line names: the DLQ runbook's Logs Insights query reads the
 * `runbook` field, so a failure no retry can fix names it, and one that comes back after a backoff
 * names none (it is not the operator's yet).
 */
describe('the runbook of a failed file', { timeout: 120_000 }, () => {
  let harness: LoaderHarness;
  let captured: ReturnType<typeof capturingLogger>;

  beforeAll(async () => {
    captured = capturingLogger();
    harness = await startLoaderHarness({ loader: { logger: captured.logger } });
  }, 60_000);

  afterAll(async () => {
    captured?.restore();
    await harness?.stop();
  });

  const errorLineOf = (key: string) => captured.errors().filter((line) => line.key === key);

  it('is the DLQ runbook, which exists, for a load job that failed for good', async () => {
    // Prepare: BigQuery refuses the load as invalid, which a new job would repeat.
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 4 }));
    harness.emulator.faults.failJob({ reason: 'invalid', times: 10 });

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);
    harness.emulator.faults.reset();

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(errorLineOf(key)).toEqual([
      expect.objectContaining({ key, reason: 'invalid', permanent: true, runbook: DLQ_RUNBOOK }),
    ]);
    expect(existsSync(new URL(`../../${DLQ_RUNBOOK}`, import.meta.url))).toBe(true);
  });

  it('is absent for a failure that a later delivery may heal', async () => {
    // Prepare: every job fails with a backend error, more often than one delivery tries.
    const key = cdcKeyAt(2);
    await harness.put(key, dmsParquet({ rows: 4 }));
    harness.emulator.faults.failJob({ reason: 'backendError', times: 10 });

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);
    harness.emulator.faults.reset();

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    const [line, ...more] = errorLineOf(key);
    expect(more).toEqual([]);
    expect(line).toMatchObject({ key, reason: 'backendError', permanent: false });
    expect(line).not.toHaveProperty('runbook');
  });
});

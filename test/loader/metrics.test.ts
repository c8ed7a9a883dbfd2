import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dmsParquet, s3Notification } from './fixtures.js';
import { withFooterRowCount } from './footer-row-count.js';
import { cdcKeyAt, type LoaderHarness, startLoaderHarness } from './harness.js';

interface EmfLine {
  _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
  [key: string]: unknown;
}

describe('loader metrics', () => {
  let harness: LoaderHarness;
  let lines: EmfLine[];

  beforeEach(async () => {
    lines = [];
    // With POWERTOOLS_DEV, Powertools prints EMF through the global console, which the test reads;
    // dev mode also disables metrics unless POWERTOOLS_METRICS_DISABLED says otherwise.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)) as EmfLine);
    });
    harness = await startLoaderHarness({ loader: { metrics: new Metrics({ namespace: 'dms2bq-test' }) } });
  });

  afterEach(async () => {
    await harness.stop();
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  /** metric name → values, of the EMF lines whose dimensions are source and table. */
  const published = (): Map<string, unknown[]> => {
    const values = new Map<string, unknown[]>();
    for (const line of lines) {
      const [directive] = line._aws.CloudWatchMetrics;
      if (line.source !== 'casino_a' || line.table !== 'bets') continue;
      for (const { Name } of directive?.Metrics ?? [])
        values.set(Name, [...(values.get(Name) ?? []), line[Name]]);
    }
    return values;
  };

  it('publishes a loaded file, its rows, bytes, duration, freshness and load job per table', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));

    // Act
    await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    const metrics = published();
    expect(metrics.get('FilesLoaded')).toEqual([1]);
    expect(metrics.get('RowsLoaded')).toEqual([5]);
    expect(metrics.get('LoadJobs')).toEqual([1]);
    expect(metrics.get('BytesLoaded')?.[0]).toBeGreaterThan(0);
    expect(metrics.has('LoadDuration')).toBe(true);
    expect(metrics.get('Freshness')?.[0]).toBeGreaterThan(0);
  });

  it('publishes a duplicate delivery without a second load job', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, dmsParquet({ rows: 5 }));
    await harness.invoke([s3Notification(harness.aws.bucket, key)]);
    lines.length = 0;

    // Act
    await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    const metrics = published();
    expect(metrics.get('DuplicateDeliveries')).toEqual([1]);
    expect(metrics.has('LoadJobs')).toBe(false);
    expect(metrics.has('FilesLoaded')).toBe(false);
  });

  it('publishes a failure with its reason', async () => {
    // Prepare
    const key = cdcKeyAt(1);
    await harness.put(key, new TextEncoder().encode('not parquet'));

    // Act
    await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess
    const failure = lines.find((line) => 'FileFailures' in line);
    expect(failure).toMatchObject({
      source: 'casino_a',
      table: 'bets',
      reason: 'ParquetFooterError',
      FileFailures: 1,
    });
  });
  it('publishes a row-count mismatch when BigQuery loads other than the footer’s row count', async () => {
    // Prepare: a file whose footer says 8 rows while its one row group holds 7 (what a writer bug
    // or a file rewritten in place could leave); BigQuery and DuckDB read the row groups.
    const key = cdcKeyAt(1);
    await harness.put(key, withFooterRowCount(dmsParquet({ rows: 7 }), 7, 8));

    // Act
    const response = await harness.invoke([s3Notification(harness.aws.bucket, key)]);

    // Assess: the load succeeded and is acknowledged; only the metric (and its alarm) tells.
    expect(response.batchItemFailures).toEqual([]);
    expect(published().get('RowCountMismatches')).toEqual([1]);
  });
});

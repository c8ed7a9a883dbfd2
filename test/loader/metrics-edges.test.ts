import { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { LoaderMetrics } from '../../lambdas/loader/metrics.js';
import { useEmfCapture } from './logs.js';

/**
 * The CDC-table metrics, read from the EMF lines Powertools prints: names, units and dimensions
 * are what infra/constructs/alarms.ts and dashboard.ts query, and CloudWatch matches dimensions
 * exactly, so each is asserted in full.
 */
describe('loader metrics of the _current CDC table', () => {
  const emf = useEmfCapture();
  const table = { source: 'casino_a', table: 'bets' };
  // infra/constructs/metrics.ts: every loader alarm's dimensions are service, source and table.
  const perTable = { service: 'dms2bq-loader', ...table };

  const metrics = () => new LoaderMetrics(new Metrics({ namespace: 'dms2bq', serviceName: 'dms2bq-loader' }));

  /** name, unit, value and the dimension set of each printed data point. */
  const points = () =>
    emf.lines().map((line) => {
      const [directive] = line._aws.CloudWatchMetrics;
      const [metric] = directive?.Metrics ?? [];
      const dimensions = Object.fromEntries(
        (directive?.Dimensions[0] ?? []).map((name) => [name, line[name]]),
      );
      return {
        name: metric?.Name,
        unit: metric?.Unit,
        value: metric ? line[metric.Name] : undefined,
        dimensions,
      };
    });

  it('publishes a streamed file’s rows, append requests and duration per table', () => {
    // Act
    metrics().currentTableStreamed(table, { rows: 7, requests: 2, durationMs: 340 });

    // Assess
    expect(points()).toEqual([
      { name: 'CurrentRowsStreamed', unit: 'Count', value: 7, dimensions: perTable },
      { name: 'CurrentAppendRequests', unit: 'Count', value: 2, dimensions: perTable },
      { name: 'CurrentStreamDuration', unit: 'Milliseconds', value: 340, dimensions: perTable },
    ]);
  });

  it.each(['fan-out', 'continuation'] as const)('publishes %s range messages with their kind', (kind) => {
    // Act
    metrics().currentRangesQueued(table, kind, 3);

    // Assess
    expect(points()).toEqual([
      { name: 'CurrentRangesQueued', unit: 'Count', value: 3, dimensions: { ...perTable, kind } },
    ]);
  });

  it('publishes the schema propagation waits of a streamed file', () => {
    // Act
    metrics().currentSchemaPropagationWaits(table, 4);

    // Assess
    expect(points()).toEqual([
      { name: 'CurrentSchemaPropagationWaits', unit: 'Count', value: 4, dimensions: perTable },
    ]);
  });

  it('publishes a stream failure by code and, for the table’s alarm, without it', () => {
    // Act
    metrics().currentTableStreamFailed(table, 'INVALID_ARGUMENT');

    // Assess
    expect(points()).toEqual([
      {
        name: 'CurrentStreamFailures',
        unit: 'Count',
        value: 1,
        dimensions: { ...perTable, code: 'INVALID_ARGUMENT' },
      },
      { name: 'CurrentStreamErrors', unit: 'Count', value: 1, dimensions: perTable },
    ]);
  });

  it('keeps a schema change still propagating out of the alarm’s CurrentStreamErrors', () => {
    // Act
    metrics().currentTableStreamFailed(table, 'SCHEMA_PROPAGATION');

    // Assess
    expect(points()).toEqual([
      {
        name: 'CurrentStreamFailures',
        unit: 'Count',
        value: 1,
        dimensions: { ...perTable, code: 'SCHEMA_PROPAGATION' },
      },
    ]);
  });

  it('counts an empty code as an error, not as propagation', () => {
    // Act: the Storage Write API's status name can be missing from an odd error.
    metrics().currentTableStreamFailed(table, '');

    // Assess
    expect(points().map((point) => point.name)).toEqual(['CurrentStreamFailures', 'CurrentStreamErrors']);
  });
});

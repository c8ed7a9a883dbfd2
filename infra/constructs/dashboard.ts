import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, type IWidget, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type DmsTaskRef, dmsMetric, type LoaderMetricsRef, loaderMetric, type TableRef } from './metrics.js';

export interface PipelineDashboardProps {
  queue: IQueue;
  deadLetterQueue: IQueue;
  loader: IFunction;
  loaderMetrics: LoaderMetricsRef;
  tables: TableRef[];
  replications: DmsTaskRef[];
  /** Each source's heartbeat table and its alarm period (seconds). */
  heartbeats?: (TableRef & { periodSeconds: number })[];
}

const WIDTH = 8;
const HEIGHT = 6;

/** One dashboard per deployment: the queue, the loader, each table's loads and each DMS replication. */
export class PipelineDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const { queue, deadLetterQueue, loader, loaderMetrics } = props;
    const minute = Duration.minutes(1);
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });

    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Loader queue: depth and age of oldest message (s)',
        left: [queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' })],
        right: [queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' })],
        width: WIDTH,
        height: HEIGHT,
      }),
      new GraphWidget({
        title: 'Dead-letter queue: parked files',
        left: [
          deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
        ],
        width: WIDTH,
        height: HEIGHT,
      }),
      new GraphWidget({
        title: 'Loader: invocations, errors, throttles',
        left: [
          loader.metricInvocations({ period: minute }),
          loader.metricErrors({ period: minute }),
          loader.metricThrottles({ period: minute }),
        ],
        right: [loader.metricDuration({ period: minute, statistic: 'p99' })],
        width: WIDTH,
        height: HEIGHT,
      }),
    );

    const bySource = new Map<string, TableRef[]>();
    for (const table of props.tables)
      bySource.set(table.source, [...(bySource.get(table.source) ?? []), table]);
    for (const [source, tables] of bySource) {
      const per = (metricName: string, statistic: string) =>
        tables.map((table) =>
          loaderMetric(loaderMetrics, table, metricName, statistic).with({ label: table.table }),
        );
      const widgets: IWidget[] = [
        new GraphWidget({
          title: `${source}: files loaded`,
          left: per('FilesLoaded', 'Sum'),
          width: WIDTH,
          height: HEIGHT,
        }),
        new GraphWidget({
          title: `${source}: rows loaded`,
          left: per('RowsLoaded', 'Sum'),
          width: WIDTH,
          height: HEIGHT,
        }),
        new GraphWidget({
          title: `${source}: freshness (ms, commit → loaded)`,
          left: per('Freshness', 'Maximum'),
          width: WIDTH,
          height: HEIGHT,
        }),
      ];
      const streamed = tables.filter((table) => table.current === 'table');
      if (streamed.length > 0) {
        widgets.push(
          new GraphWidget({
            title: `${source}: _current CDC stream errors (runbook current-table-stream)`,
            left: streamed.map((table) =>
              loaderMetric(loaderMetrics, table, 'CurrentStreamErrors', 'Sum').with({ label: table.table }),
            ),
            width: WIDTH,
            height: HEIGHT,
          }),
        );
      }
      this.dashboard.addWidgets(...widgets);
    }

    const heartbeats = props.heartbeats ?? [];
    if (heartbeats.length > 0) {
      // Seconds since the newest heartbeat reached BigQuery; a gap in the line is a stalled pipeline.
      this.dashboard.addWidgets(
        new GraphWidget({
          title: 'Heartbeat per source: freshness (ms, source commit → loaded)',
          left: heartbeats.map((beat) =>
            loaderMetric(
              loaderMetrics,
              beat,
              'Freshness',
              'Maximum',
              Duration.seconds(beat.periodSeconds),
            ).with({
              label: beat.source,
            }),
          ),
          width: 24,
          height: HEIGHT,
        }),
      );
    }

    if (props.replications.length > 0) {
      this.dashboard.addWidgets(
        new TextWidget({ markdown: '## DMS replications (latency in seconds)', width: 24, height: 1 }),
      );
      this.dashboard.addWidgets(
        ...props.replications.map(
          (replication) =>
            new GraphWidget({
              title: `DMS ${replication.source}`,
              left: [
                dmsMetric(replication, 'CDCLatencySource').with({ label: 'source latency' }),
                dmsMetric(replication, 'CDCLatencyTarget').with({ label: 'target latency' }),
              ],
              width: WIDTH,
              height: HEIGHT,
            }),
        ),
      );
    }
  }
}

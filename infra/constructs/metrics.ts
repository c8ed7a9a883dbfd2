import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';

/** A table as the loader's metrics name it (dimensions `source` and `table`). */
export interface TableRef {
  source: string;
  /** The BigQuery target table (`targetTable(table)`), the loader's `table` dimension. */
  table: string;
  /** `table`: `<table>_current` is a CDC table the loader streams to (its own alarm and widget). */
  current?: 'view' | 'table';
}

/**
 * Where the loader's EMF metrics land. Powertools adds the `service` dimension to every metric,
 * so alarms must name it too: CloudWatch matches dimensions exactly.
 */
export interface LoaderMetricsRef {
  namespace: string;
  service: string;
}

export const loaderMetric = (
  ref: LoaderMetricsRef,
  table: TableRef,
  metricName: string,
  statistic: string,
  period = Duration.minutes(5),
): Metric =>
  new Metric({
    namespace: ref.namespace,
    metricName,
    dimensionsMap: { service: ref.service, source: table.source, table: table.table },
    statistic,
    period,
  });

/** A source's replication task as alarms and the dashboard name it. */
export interface DmsTaskRef {
  source: string;
  /** `dms2bq-<stage>-<source>`, the task's name. */
  identifier: string;
  arn: string;
  /** The replication instance's name: the `ReplicationInstanceIdentifier` dimension. */
  instanceIdentifier: string;
  /** The last part of the task ARN: the `ReplicationTaskIdentifier` dimension (not the task's name). */
  taskResourceId: string;
}

/**
 * AWS/DMS task metrics (CDCLatencySource, CDCLatencyTarget, …) carry two dimensions:
 * `ReplicationInstanceIdentifier` (the instance's name) and `ReplicationTaskIdentifier`, whose value
 * is the task's resource ID, the last part of its ARN (ADR 0014 cites where this is shown).
 * Alarms take these unlabelled: a label turns an alarm's metric into metric math.
 */
export const dmsMetric = (task: DmsTaskRef, metricName: string): Metric =>
  new Metric({
    namespace: 'AWS/DMS',
    metricName,
    dimensionsMap: {
      ReplicationInstanceIdentifier: task.instanceIdentifier,
      ReplicationTaskIdentifier: task.taskResourceId,
    },
    statistic: 'Maximum',
    period: Duration.minutes(5),
  });

import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';

/** A table as the loader's metrics name it (dimensions `source` and `table`). */
export interface TableRef {
  source: string;
  /** The BigQuery target table (`targetTable(table)`), the loader's `table` dimension. */
  table: string;
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

/**
 * DMS Serverless publishes its replication metrics in AWS/DMS per replication config (verify the
 * dimension name against a running replication; it is kept in this one place).
 */
export const DMS_REPLICATION_DIMENSION = 'ReplicationConfigIdentifier';

/** Alarms take these unlabelled: a label turns an alarm's metric into metric math. */
export const dmsMetric = (replicationConfigIdentifier: string, metricName: string): Metric =>
  new Metric({
    namespace: 'AWS/DMS',
    metricName,
    dimensionsMap: { [DMS_REPLICATION_DIMENSION]: replicationConfigIdentifier },
    statistic: 'Maximum',
    period: Duration.minutes(5),
  });

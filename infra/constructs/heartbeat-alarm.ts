import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  describeHeartbeatTiming,
  HEARTBEAT_EMPTY_PERIODS,
  type HeartbeatTiming,
} from '../../lambdas/shared/heartbeat.js';
import { type LoaderMetricsRef, loaderMetric, type TableRef } from './metrics.js';

export interface HeartbeatAlarmProps {
  /** The heartbeat table as the loader's metrics name it. */
  heartbeat: TableRef;
  timing: HeartbeatTiming;
  loaderMetrics: LoaderMetricsRef;
  /** Freshness above this (ms) is late even when heartbeats arrive. */
  thresholdMs: number;
  topic: ITopic;
  runbookBaseUrl: string;
}

/**
 * The heartbeat's freshness alarm. Unlike a table's, missing data is breaching: the heartbeat
 * changes every interval, so a period without a load means nothing flows from the binlog to
 * BigQuery. The period is the longest healthy gap between heartbeat loads, rounded up to minutes.
 */
export class HeartbeatAlarm extends Construct {
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: HeartbeatAlarmProps) {
    super(scope, id);
    const { heartbeat, timing } = props;
    this.alarm = new Alarm(this, 'Alarm', {
      metric: loaderMetric(
        props.loaderMetrics,
        heartbeat,
        'Freshness',
        'Maximum',
        Duration.seconds(timing.periodSeconds),
      ),
      threshold: props.thresholdMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: HEARTBEAT_EMPTY_PERIODS,
      datapointsToAlarm: HEARTBEAT_EMPTY_PERIODS,
      treatMissingData: TreatMissingData.BREACHING,
      alarmDescription:
        `No fresh heartbeat of ${heartbeat.source} reached BigQuery (${describeHeartbeatTiming(timing)}). ` +
        `Runbook: ${props.runbookBaseUrl}docs/runbooks/heartbeat-stale.md`,
    });
    this.alarm.addAlarmAction(new SnsAction(props.topic));
    this.alarm.addOkAction(new SnsAction(props.topic));
  }
}

import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LOB_TRUNCATION_LOG_TERMS } from '../../lambdas/shared/dms/lob.js';

export interface LobTruncationAlarmProps {
  /** The sources whose tasks write to `logGroup`, named in the alarm. */
  sources: string[];
  /**
   * The log group DMS writes the replication instance's task logs to: one group for every task of
   * the instance, one log stream per task, so the alarm covers the stage and the stream names the task.
   */
  logGroup: ILogGroup;
  topic: ITopic;
  /** Prefix of runbook links; `docs/runbooks/lob-truncated.md` follows. */
  runbookBaseUrl: string;
}

/** Metric names carry the stack, so two stages in one account never share a count. */
export const lobTruncationMetricName = (stackName: string): string => `${stackName}-LobTruncations`;

/**
 * Counts DMS's "LOB truncated" warnings in the instance's task log (a metric filter on the shared
 * log terms) and pages on the first one: a truncated value is data lost until the row is reloaded
 * with a larger LobMaxSize.
 */
export class LobTruncationAlarm extends Construct {
  readonly metricFilter: MetricFilter;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: LobTruncationAlarmProps) {
    super(scope, id);
    this.metricFilter = new MetricFilter(this, 'Filter', {
      logGroup: props.logGroup,
      filterPattern: FilterPattern.allTerms(...LOB_TRUNCATION_LOG_TERMS),
      metricNamespace: 'dms2bq',
      metricName: lobTruncationMetricName(Stack.of(this).stackName),
      metricValue: '1',
    });
    this.alarm = new Alarm(this, 'Alarm', {
      metric: this.metricFilter.metric({ statistic: 'Sum', period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No warning line, no data point: nothing was truncated.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription:
        `DMS truncated a LOB at LobMaxSize (sources: ${props.sources.join(', ')}; the log stream names the task). ` +
        `Runbook: ${props.runbookBaseUrl}docs/runbooks/lob-truncated.md`,
    });
    this.alarm.addAlarmAction(new SnsAction(props.topic));
    this.alarm.addOkAction(new SnsAction(props.topic));
  }
}

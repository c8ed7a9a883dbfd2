import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.js';
import { RuleToTopic } from './alarm-topic.js';
import { type DmsTaskRef, dmsMetric, type LoaderMetricsRef, loaderMetric, type TableRef } from './metrics.js';

export interface PipelineAlarmsProps {
  topic: ITopic;
  queue: IQueue;
  deadLetterQueue: IQueue;
  loader: IFunction;
  loaderMetrics: LoaderMetricsRef;
  tables: TableRef[];
  replications: DmsTaskRef[];
  thresholds: StageConfig['alarms'];
  /** Prefix of runbook links, e.g. the repository's blob URL; `docs/runbooks/<name>.md` follows. */
  runbookBaseUrl: string;
}

/** The DMS task event categories that page (user guide, "AWS DMS event categories and event messages"). */
export const PAGING_TASK_EVENT_CATEGORIES = ['Failure'];

/** BigQuery allows 1,500 load jobs per table per day; warn when a table's pace passes 80 % of it. */
const LOAD_JOBS_PER_HOUR_WARNING = Math.floor((1500 * 0.8) / 24);

/**
 * The alarms an operator acts on, all routed to one SNS topic. Each description says what broke
 * and links the runbook that fixes it.
 */
export class PipelineAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  private readonly props: PipelineAlarmsProps;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.props = props;
    const { queue, deadLetterQueue, loader, thresholds } = props;

    this.add('DeadLetters', 'dlq-not-empty', 'Loader files failed 5 times and wait in the DLQ', {
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.add(
      'OldestMessage',
      'freshness',
      `The oldest loader message is older than ${thresholds.oldestMessageMinutes} min`,
      {
        metric: queue.metricApproximateAgeOfOldestMessage({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: thresholds.oldestMessageMinutes * 60,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      },
    );
    this.add('LoaderErrors', 'dlq-not-empty', 'Loader invocations failed as a whole', {
      metric: loader.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const table of props.tables) {
      const name = `${table.source}/${table.table}`;
      // No file, no data point: an idle table is not stale. A stopped DMS is caught by its own alarm.
      this.add(`Freshness-${table.source}-${table.table}`, 'freshness', `${name} is staler than its SLO`, {
        metric: loaderMetric(props.loaderMetrics, table, 'Freshness', 'Maximum'),
        threshold: thresholds.freshnessSloMinutes * 60_000,
        evaluationPeriods: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.add(
        `LoadJobQuota-${table.source}-${table.table}`,
        'load-job-quota',
        `${name} starts load jobs faster than 80 % of BigQuery's 1,500 per table per day`,
        {
          metric: loaderMetric(props.loaderMetrics, table, 'LoadJobs', 'Sum', Duration.hours(1)),
          threshold: LOAD_JOBS_PER_HOUR_WARNING,
          evaluationPeriods: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      );
      // Any mismatch pages: the changelog then holds more or fewer rows than the file DMS wrote, and
      // nothing downstream (the view, reconciliation's Op counts) can tell which rows.
      this.add(
        `RowCountMismatches-${table.source}-${table.table}`,
        'row-count-mismatch',
        `${name}: a load job loaded a different number of rows than its Parquet footer states`,
        {
          metric: loaderMetric(props.loaderMetrics, table, 'RowCountMismatches', 'Sum'),
          threshold: 0,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      );
      if (table.current === 'table') {
        // Streaming failures in three 5-minute periods in a row: the record's retries (10 s … 160 s
        // apart) did not heal it, so `<table>_current` lags its changelog. A blip retried away, or a
        // schema change still propagating (not counted, ADR 0043), does not page.
        this.add(
          `CurrentStream-${table.source}-${table.table}`,
          'current-table-stream',
          `${name}: files reach the changelog but streaming them to ${table.table}_current keeps failing`,
          {
            metric: loaderMetric(props.loaderMetrics, table, 'CurrentStreamErrors', 'Sum'),
            threshold: 0,
            evaluationPeriods: 3,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          },
        );
      }
    }
    for (const replication of props.replications) {
      const { source, arn } = replication;
      // DMS reports a failed task as an event at once: the rule below pages for it. Only the Failure
      // category pages ("The replication task has failed", "…failed to clean up task data"): the
      // State Change and Configuration Change events of the stop, modify and resume a deploy does
      // would page the on-call on every mapping change (ADR 0033). A task stopped on purpose is not
      // an incident; one that stops publishing is caught by the heartbeat alarm.
      const events = new Rule(this, `DmsEvents-${source}`, {
        description: `DMS failure events of the ${source} replication → alarm topic`,
        eventPattern: {
          source: ['aws.dms'],
          resources: [arn],
          detail: { category: PAGING_TASK_EVENT_CATEGORIES },
        },
        targets: [
          new RuleToTopic(
            props.topic,
            RuleTargetInput.fromObject({
              summary: `DMS event for the ${source} replication`,
              runbook: `${props.runbookBaseUrl}docs/runbooks/dms-replication-stopped.md`,
              event: EventField.detailType,
              detail: EventField.fromPath('$.detail'),
            }),
          ),
        ],
      });
      Validations.of(events).acknowledge({
        id: 'Serverless-EventBusDLQ',
        reason:
          'An undelivered DMS event is still caught by the latency alarm, which treats missing data as breaching.',
      });
      // Missing data is not breaching: the value of the ReplicationTaskIdentifier dimension (the
      // task's resource ID) is not stated by AWS's documentation, and a wrong one must not leave this
      // alarm stuck in ALARM. A stopped task is reported by its DMS event above, and a silent
      // pipeline by the source's heartbeat alarm, which treats missing data as breaching (ADR 0019).
      this.add(
        `DmsLatency-${source}`,
        'dms-replication-stopped',
        `DMS replication of ${source} is behind by more than ${thresholds.dmsLatencySeconds} s`,
        {
          metric: dmsMetric(replication, 'CDCLatencySource'),
          threshold: thresholds.dmsLatencySeconds,
          evaluationPeriods: 3,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        },
      );
    }
  }

  private add(
    id: string,
    runbook: string,
    summary: string,
    options: {
      metric: IMetric;
      threshold: number;
      evaluationPeriods: number;
      treatMissingData: TreatMissingData;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      ...options,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `${summary}. Runbook: ${this.props.runbookBaseUrl}docs/runbooks/${runbook}.md`,
    });
    alarm.addAlarmAction(new SnsAction(this.props.topic));
    alarm.addOkAction(new SnsAction(this.props.topic));
    this.alarms.push(alarm);
  }
}

import { Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RuleToTopic } from './alarm-topic.js';

export interface DmsInstanceAlarmsProps {
  topic: ITopic;
  /** `dms2bq-<stage>`: the `ReplicationInstanceIdentifier` dimension of the AWS/DMS instance metrics. */
  instanceIdentifier: string;
  /** The instance ARN: the `resources` of its DMS events. */
  instanceArn: string;
  allocatedStorageGb: number;
  /** Prefix of runbook links; `docs/runbooks/<name>.md` follows. */
  runbookBaseUrl: string;
}

/**
 * DMS event categories of a replication instance that need a person (user guide, "AWS DMS event
 * categories and event messages"): failover of a Multi-AZ instance, storage or network failure, low
 * free storage. Creation, deletion, configuration change and maintenance follow what a deploy or
 * AWS's maintenance window does and do not page. The table spells the categories "LowStorage",
 * "Failover", "Failure"; both spellings of low storage are matched in case the event says
 * "Low Storage" like the table's "Configuration Change".
 */
export const PAGING_INSTANCE_EVENT_CATEGORIES = ['Failover', 'Failure', 'LowStorage', 'Low Storage'];

/**
 * Free memory under this pages. AWS gives no number: the sizing best practices say to "monitor the
 * CPU, freeable memory, free storage, and IOPS" and that a short memory "results in writing data to
 * the disk", i.e. latency. 512 MiB leaves room for a task's sorter before it swaps on the smallest
 * class this project suggests (dms.t3.medium, 4 GiB).
 */
export const FREEABLE_MEMORY_FLOOR_BYTES = 512 * 1024 ** 2;
/** Sustained CPU above this pages: "tasks with high parallelism" slow down and latency grows. */
export const CPU_CEILING_PERCENT = 80;
/** Free storage under this share of the allocated storage pages: spilled changes and logs fill it. */
export const FREE_STORAGE_FLOOR_SHARE = 0.2;

/**
 * What an operator must act on for the stage's replication instance: its failover, failure and
 * low-storage events, and its free storage, freeable memory and CPU. Each links its runbook.
 */
export class DmsInstanceAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly events: Rule;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: DmsInstanceAlarmsProps,
  ) {
    super(scope, id);
    const runbook = `${props.runbookBaseUrl}docs/runbooks/dms-instance.md`;
    this.events = new Rule(this, 'Events', {
      description: `DMS failover, failure and low-storage events of ${props.instanceIdentifier} → alarm topic`,
      eventPattern: {
        source: ['aws.dms'],
        resources: [props.instanceArn],
        detail: { category: PAGING_INSTANCE_EVENT_CATEGORIES },
      },
      targets: [
        new RuleToTopic(
          props.topic,
          RuleTargetInput.fromObject({
            summary: `DMS replication instance ${props.instanceIdentifier}: ${EventField.fromPath('$.detail.detailMessage')}`,
            runbook,
            event: EventField.detailType,
            detail: EventField.fromPath('$.detail'),
          }),
        ),
      ],
    });
    Validations.of(this.events).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'An undelivered instance event is still caught by the storage, memory and CPU alarms and the heartbeat alarms.',
    });
    const storageFloorBytes = Math.round(props.allocatedStorageGb * 1024 ** 3 * FREE_STORAGE_FLOOR_SHARE);
    this.add(
      'FreeStorage',
      'dms-instance',
      `free storage under ${FREE_STORAGE_FLOOR_SHARE * 100} % of ${props.allocatedStorageGb} GB`,
      {
        metric: this.metric('FreeStorageSpace', 'Minimum'),
        threshold: storageFloorBytes,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      },
    );
    this.add(
      'FreeableMemory',
      'dms-instance',
      `freeable memory under ${FREEABLE_MEMORY_FLOOR_BYTES / 1024 ** 2} MiB`,
      {
        metric: this.metric('FreeableMemory', 'Minimum'),
        threshold: FREEABLE_MEMORY_FLOOR_BYTES,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      },
    );
    this.add('Cpu', 'dms-instance', `CPU above ${CPU_CEILING_PERCENT} %`, {
      metric: this.metric('CPUUtilization', 'Average'),
      threshold: CPU_CEILING_PERCENT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
  }

  private metric(metricName: string, statistic: string): Metric {
    return new Metric({
      namespace: 'AWS/DMS',
      metricName,
      dimensionsMap: { ReplicationInstanceIdentifier: this.props.instanceIdentifier },
      statistic,
      period: Duration.minutes(5),
    });
  }

  /** Three 5-minute periods: a deploy's stop and resume of the tasks must not page. */
  private add(
    id: string,
    runbook: string,
    what: string,
    options: { metric: Metric; threshold: number; comparisonOperator: ComparisonOperator },
  ): void {
    const alarm = new Alarm(this, id, {
      ...options,
      evaluationPeriods: 3,
      // The instance publishes these every minute while it exists; silence is caught by its events.
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `DMS replication instance ${this.props.instanceIdentifier}: ${what}. Runbook: ${this.props.runbookBaseUrl}docs/runbooks/${runbook}.md`,
    });
    alarm.addAlarmAction(new SnsAction(this.props.topic));
    alarm.addOkAction(new SnsAction(this.props.topic));
    this.alarms.push(alarm);
  }
}

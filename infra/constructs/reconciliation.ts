import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { reconcileRoleName } from '../../lambdas/shared/naming.js';
import type { StageConfig } from '../config.js';
import { arnFinding } from '../nag.js';
import type { LoaderMetricsRef } from './metrics.js';
import { PipelineFunction } from './pipeline-function.js';

export interface ReconciliationProps {
  stage: string;
  /** Absolute path of lambdas/reconcile/handler.ts, resolved by the app. */
  entry: string;
  /** `JSON.stringify(buildRoutingTable(mappings))`, bundled like the loader's. */
  routing: string;
  gcp: StageConfig['gcp'];
  topic: ITopic;
  runbookBaseUrl: string;
  /** Namespace and service of the function's EMF metrics. */
  metrics: LoaderMetricsRef;
  /** How often the reconciliation runs. Default 15 minutes. */
  every?: Duration;
  /** A shortfall counts as drift once DMS has counted nothing new for this long. Default 15. */
  settleMinutes?: number;
}

/**
 * The scheduled reconciliation (docs/reconciliation.md): a function that compares DMS's table
 * statistics with the changelog, run by EventBridge Scheduler, and one alarm on the number of
 * drifting tables with its runbook. A run that publishes nothing (it failed, or the schedule
 * stopped) breaches too: an unproven pipeline is not a healthy one.
 */
export class Reconciliation extends Construct {
  readonly function: PipelineFunction;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ReconciliationProps) {
    super(scope, id);
    const every = props.every ?? Duration.minutes(15);
    this.function = new PipelineFunction(this, 'Function', {
      entry: props.entry,
      description: 'Compares DMS table statistics with the BigQuery changelog; publishes drift per table',
      timeout: Duration.minutes(5),
      memorySizeMb: 512,
      define: { __DMS2BQ_ROUTING__: props.routing },
      roleName: reconcileRoleName(props.stage),
    })
      .bindValue('STAGE', props.stage)
      .bindValue('GCP_PROJECT_ID', props.gcp.projectId)
      .bindValue('BIGQUERY_LOCATION', props.gcp.location)
      .bindValue('GCP_CREDENTIALS_MODE', props.gcp.credentials.mode)
      .bindValue('SETTLE_MINUTES', String(props.settleMinutes ?? 15))
      .bindValue('POWERTOOLS_SERVICE_NAME', props.metrics.service)
      .bindValue('POWERTOOLS_METRICS_NAMESPACE', props.metrics.namespace);
    const credentials = props.gcp.credentials;
    if (credentials.mode === 'workload-identity') {
      this.function.bindValue('GCP_WIF_CONFIG', JSON.stringify(credentials.wifConfig));
    } else {
      this.function.bindSecretRead('GCP_SA_KEY_SECRET_ARN', credentials.keySecretArn);
    }
    this.grantDmsRead();
    // Scheduler invokes asynchronously; a failed run is replaced by the next one, not retried.
    this.function.function.configureAsyncInvoke({ retryAttempts: 0 });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaAsyncFailureDestination',
      reason: 'A failed run publishes no data point, which breaches the drift alarm; the next run follows.',
    });
    const scheduleRole = new Role(this, 'ScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com'),
      description: `EventBridge Scheduler invokes the ${props.stage} reconciliation`,
    });
    Validations.of(scheduleRole).acknowledge({
      id: arnFinding(this.function.function, ':*'),
      reason: 'CDK grants lambda:InvokeFunction on the function and its versions; one function only.',
    });

    new Schedule(this, 'Schedule', {
      schedule: ScheduleExpression.rate(every),
      description: `dms2bq reconciliation of ${props.stage}`,
      // The next run comes within minutes; a failed run shows as the alarm's missing data point.
      target: new LambdaInvoke(this.function.function, { retryAttempts: 0, role: scheduleRole }),
    });

    this.alarm = new Alarm(this, 'Drift', {
      metric: new Metric({
        namespace: props.metrics.namespace,
        metricName: 'TablesDrifting',
        dimensionsMap: { service: props.metrics.service },
        statistic: 'Maximum',
        period: every,
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: TreatMissingData.BREACHING,
      alarmDescription: `Tables of ${props.stage} lack rows that DMS replicated, or reconciliation stopped running. Runbook: ${props.runbookBaseUrl}docs/runbooks/reconciliation-drift.md`,
    });
    this.alarm.addAlarmAction(new SnsAction(props.topic));
    this.alarm.addOkAction(new SnsAction(props.topic));
    new CfnOutput(Stack.of(this), 'ReconcileRoleArn', {
      value: this.function.role.roleArn,
      description: 'Principal to bind in the GCP workload identity pool (counts the changelog)',
    });
  }

  /** DescribeReplicationTasks has no resource-level permission; DescribeTableStatistics takes a task ARN. */
  private grantDmsRead(): void {
    const { region, account } = Stack.of(this);
    this.function.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dms:DescribeReplicationTasks'], resources: ['*'] }),
    );
    this.function.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dms:DescribeTableStatistics'],
        resources: [`arn:${Stack.of(this).partition}:dms:${region}:${account}:task:*`],
      }),
    );
    Validations.of(this.function).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'dms:DescribeReplicationTasks supports no resource-level permission; it is filtered by task ID.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dms:${region}:${account}:task:*]`,
        reason:
          'Replication task ARNs end in a DMS-generated ID unknown at synth time; read-only statistics.',
      },
    );
  }
}

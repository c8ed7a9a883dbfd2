import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct, IDependable } from 'constructs';
import { heartbeatTable, heartbeatTiming } from '../../lambdas/shared/heartbeat.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { currentMode, targetTable } from '../../lambdas/shared/mappings/model.js';
import { loaderRoleName } from '../../lambdas/shared/naming.js';
import { pipelineSettings } from '../../lambdas/shared/pipeline-settings.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import { type StageConfig, StageConfigError } from '../config.js';
import { allowCloudWatchAlarms } from '../constructs/alarm-topic.js';
import { PipelineAlarms } from '../constructs/alarms.js';
import { PipelineDashboard } from '../constructs/dashboard.js';
import { DmsInstance } from '../constructs/dms-instance.js';
import { DmsInstanceAlarms } from '../constructs/dms-instance-alarms.js';
import { DmsSource } from '../constructs/dms-source.js';
import { DmsTaskProvider } from '../constructs/dms-task-provider.js';
import { HeartbeatAlarm } from '../constructs/heartbeat-alarm.js';
import { LandingBucket } from '../constructs/landing-bucket.js';
import { LoaderQueue } from '../constructs/loader-queue.js';
import { LobTruncationAlarm } from '../constructs/lob-truncation-alarm.js';
import type { DmsTaskRef, LoaderMetricsRef, TableRef } from '../constructs/metrics.js';
import { PipelineFunction } from '../constructs/pipeline-function.js';
import { Reconciliation } from '../constructs/reconciliation.js';

export interface PipelineStackProps extends StackProps {
  stage: string;
  config: StageConfig;
  mappings: SourceMapping[];
  /** Handler entries, resolved by the app (infra never imports handler modules). */
  entries: {
    loader: string;
    replay: string;
    reconcile: string;
    dmsTaskOnEvent: string;
    dmsTaskIsComplete: string;
  };
}

/**
 * One deployment: landing bucket → queue → loader, the replay function, alarms, dashboard, the
 * stage's DMS replication instance and one replication task per mapping file. DMS rules and the
 * loader's routing table come from the same mappings and change in the same CloudFormation update;
 * each task is updated after the loader, so a new table's route exists before its first file.
 */
export class PipelineStack extends Stack {
  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    const { config, mappings } = props;
    const settings = pipelineSettings;
    const sources = mappings.map((mapping) => mapping.source);
    const prefixes = sources.map((source) => `${source}/`);
    const routes = buildRoutingTable(mappings);
    const routing = JSON.stringify(routes);
    // Only a loader with a `table` route bundles the CDC streaming (@google-cloud/bigquery-storage).
    const currentTables = String(Object.values(routes).some((route) => route.current === 'table'));

    const landing = new LandingBucket(this, 'Landing', { retentionDays: config.landingRetentionDays });
    const loaderQueue = new LoaderQueue(this, 'LoaderQueue', {
      visibilityTimeout: Duration.seconds(settings.loaderQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(settings.loaderQueue.retentionDays),
      maxReceiveCount: settings.loaderQueue.maxReceiveCount,
      deadLetterRetention: Duration.days(settings.deadLetterQueue.retentionDays),
    });
    landing.notify(loaderQueue.queue, settings.notification.suffix);
    this.acknowledgeNotificationHandler();

    const loaderMetrics: LoaderMetricsRef = { namespace: 'dms2bq', service: `${this.stackName}-loader` };
    const loader = new PipelineFunction(this, 'Loader', {
      entry: props.entries.loader,
      description: 'Loads DMS Parquet files from S3 into BigQuery, exactly once per file',
      timeout: Duration.seconds(settings.loader.timeoutSeconds),
      memorySizeMb: settings.loader.memorySizeMb,
      define: { __DMS2BQ_ROUTING__: routing, __DMS2BQ_CURRENT_TABLES__: currentTables },
      roleName: loaderRoleName(props.stage),
    })
      .bindObjectRead('LANDING_BUCKET', landing.bucket, prefixes)
      .bindValue('GCP_PROJECT_ID', config.gcp.projectId)
      .bindValue('BIGQUERY_LOCATION', config.gcp.location)
      .bindValue('GCP_CREDENTIALS_MODE', config.gcp.credentials.mode)
      .bindValue('FILE_CONCURRENCY', String(settings.loader.fileConcurrency))
      // A file too big for one invocation goes on as row-group range messages to this queue (ADR 0045).
      .bindQueueSend('LOADER_QUEUE_URL', loaderQueue.queue)
      .bindValue('POWERTOOLS_SERVICE_NAME', loaderMetrics.service)
      .bindValue('POWERTOOLS_METRICS_NAMESPACE', loaderMetrics.namespace);
    const credentials = config.gcp.credentials;
    if (credentials.mode === 'workload-identity') {
      loader.bindValue('GCP_WIF_CONFIG', JSON.stringify(credentials.wifConfig));
    } else {
      loader.bindSecretRead('GCP_SA_KEY_SECRET_ARN', credentials.keySecretArn);
    }
    loader.function.addEventSource(
      new SqsEventSource(loaderQueue.queue, {
        batchSize: settings.loader.batchSize,
        maxBatchingWindow: Duration.seconds(settings.loader.maxBatchingWindowSeconds),
        reportBatchItemFailures: true,
        maxConcurrency: settings.loader.maxConcurrency,
      }),
    );
    Validations.of(loader).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: 'Failed messages go to the loader queue’s DLQ through its redrive policy (maxReceiveCount).',
    });

    const replay = new PipelineFunction(this, 'Replay', {
      entry: props.entries.replay,
      description: 'Lists landed files of a source/table/time range and enqueues them for the loader',
      timeout: Duration.minutes(5),
      memorySizeMb: 512,
      define: { __DMS2BQ_ROUTING__: routing },
    })
      .bindBucketList('LANDING_BUCKET', landing.bucket, prefixes)
      .bindQueueSend('LOADER_QUEUE_URL', loaderQueue.queue);

    const dms = this.dmsTasks(props, landing, [loader.function]);

    const topic = new Topic(this, 'AlarmTopic', { enforceSSL: true });
    topic.addSubscription(new EmailSubscription(config.alarmEmail));
    allowCloudWatchAlarms(topic);
    Validations.of(topic).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason: 'The only subscription is the on-call email; an undeliverable email has nothing to redrive.',
    });
    const tables = mappings.flatMap((mapping) =>
      mapping.tables.map((table) => ({
        source: mapping.source,
        table: targetTable(table),
        current: currentMode(mapping, table),
      })),
    );
    const heartbeats = mappings.flatMap((mapping) => {
      const table = heartbeatTable(mapping);
      const timing = heartbeatTiming(mapping);
      return table && timing ? [{ ref: { source: mapping.source, table: targetTable(table) }, timing }] : [];
    });
    // A heartbeat table gets the heartbeat alarm (missing data breaches), not a table's alarm.
    const isHeartbeat = (ref: TableRef) =>
      heartbeats.some(({ ref: beat }) => beat.source === ref.source && beat.table === ref.table);
    const observed = {
      queue: loaderQueue.queue,
      deadLetterQueue: loaderQueue.deadLetterQueue,
      loader: loader.function,
    };
    new PipelineAlarms(this, 'Alarms', {
      ...observed,
      topic,
      loaderMetrics,
      tables: tables.filter((table) => !isHeartbeat(table)),
      replications: dms.tasks,
      thresholds: config.alarms,
      runbookBaseUrl: config.runbookBaseUrl,
    });
    for (const { ref, timing } of heartbeats) {
      new HeartbeatAlarm(this, `Heartbeat-${ref.source}`, {
        heartbeat: ref,
        timing,
        loaderMetrics,
        // Never below what a healthy heartbeat shows: the SLO could be shorter than a CDC interval.
        thresholdMs: Math.max(config.alarms.freshnessSloMinutes * 60_000, timing.healthyFreshnessMs),
        topic,
        runbookBaseUrl: config.runbookBaseUrl,
      });
    }
    new PipelineDashboard(this, 'Dashboard', {
      ...observed,
      loaderMetrics,
      tables,
      replications: dms.tasks,
      heartbeats: heartbeats.map(({ ref, timing }) => ({ ...ref, periodSeconds: timing.periodSeconds })),
    });
    if (dms.instance) {
      new DmsInstanceAlarms(this, 'DmsInstanceAlarms', {
        topic,
        instanceIdentifier: dms.instance.identifier,
        instanceArn: dms.instance.instance.ref,
        allocatedStorageGb: config.dms.allocatedStorageGb,
        runbookBaseUrl: config.runbookBaseUrl,
      });
      new LobTruncationAlarm(this, 'LobTruncation', {
        sources,
        logGroup: dms.instance.logGroup,
        topic,
        runbookBaseUrl: config.runbookBaseUrl,
      });
    }
    new Reconciliation(this, 'Reconciliation', {
      stage: props.stage,
      entry: props.entries.reconcile,
      routing,
      gcp: config.gcp,
      topic,
      runbookBaseUrl: config.runbookBaseUrl,
      metrics: { namespace: loaderMetrics.namespace, service: `${this.stackName}-reconcile` },
    });

    const outputs: Record<string, [string, string]> = {
      LandingBucketName: [landing.bucket.bucketName, 'DMS writes <source>/<schema>/<table>/… here'],
      LoaderQueueUrl: [loaderQueue.queue.queueUrl, 'S3 notifications and replays for the loader'],
      DeadLetterQueueUrl: [loaderQueue.deadLetterQueue.queueUrl, 'Files that failed 5 times'],
      DeadLetterQueueArn: [
        loaderQueue.deadLetterQueue.queueArn,
        'Source ARN of a redrive (message move task)',
      ],
      LoaderFunctionName: [loader.function.functionName, 'The loader Lambda'],
      LoaderRoleArn: [loader.role.roleArn, 'Principal to bind in the GCP workload identity pool'],
      ReplayFunctionName: [replay.function.functionName, 'Invoked by dms2bq replay'],
      AlarmTopicArn: [topic.topicArn, 'Every alarm notifies this topic'],
    };
    for (const [id, [value, description]] of Object.entries(outputs))
      new CfnOutput(this, id, { value, description });
  }

  /** CDK's own singleton that writes the bucket notification configuration at deploy time. */
  private acknowledgeNotificationHandler(): void {
    const handler = this.node.children.find((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (!handler) return;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'CDK-provided custom resource that sets the bucket notification; it runs only during deploys.',
    });
  }

  /** The stage's replication instance and one task per mapping, each updated after `after`. */
  private dmsTasks(
    props: PipelineStackProps,
    landing: LandingBucket,
    after: IDependable[],
  ): { instance?: DmsInstance; tasks: DmsTaskRef[] } {
    const { config, mappings } = props;
    if (mappings.length === 0) return { tasks: [] };
    const sources = mappings.map((mapping) => {
      const source = config.sources[mapping.source];
      if (!source) {
        throw new StageConfigError(
          `config/${props.stage}.json: sources.${mapping.source} is missing; every mapping file needs its source's secret and security group`,
        );
      }
      return { mapping, config: source };
    });
    const instance = new DmsInstance(this, 'Dms', {
      stage: props.stage,
      network: config.network,
      dms: config.dms,
      region: config.region,
      sources: sources.map(({ mapping, config: source }) => ({ name: mapping.source, config: source })),
    });
    const provider = new DmsTaskProvider(this, 'DmsTaskProvider', {
      entries: { onEvent: props.entries.dmsTaskOnEvent, isComplete: props.entries.dmsTaskIsComplete },
      stage: props.stage,
      instanceArn: instance.instance.ref,
      certificateArn: instance.rdsCertificate.ref,
    });
    const tasks = sources.map(({ mapping, config: source }) => {
      const dms = new DmsSource(this, `Dms-${mapping.source}`, {
        stage: props.stage,
        mapping,
        source,
        dms: config.dms,
        landingBucket: landing.bucket,
        instance,
        provider,
        after,
      });
      new CfnOutput(this, `ReplicationTaskArn-${mapping.source}`, {
        value: dms.taskArn,
        description: `DMS replication task of ${mapping.source}`,
      });
      return {
        source: mapping.source,
        identifier: dms.taskIdentifier,
        arn: dms.taskArn,
        instanceIdentifier: instance.identifier,
        taskResourceId: dms.taskResourceId,
      };
    });
    return { instance, tasks };
  }
}

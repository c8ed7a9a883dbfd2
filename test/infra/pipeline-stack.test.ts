import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag.js';
import { buildReplicationSettings, buildS3Settings } from '../../lambdas/shared/dms/settings.js';
import { tableMappingsJson } from '../../lambdas/shared/dms/table-mappings.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { pipelineSettings } from '../../lambdas/shared/pipeline-settings.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import {
  bundledCode,
  iamStatements,
  joinedJson,
  normalisedTemplate,
  resource,
  resourcesOfType,
  type SynthedApp,
  synthStages,
} from './support.js';

let synthed: SynthedApp;
let template: Template;
let mapping: SourceMapping;

beforeAll(() => {
  synthed = synthStages(['dev'], { bundle: true });
  template = (synthed.stages[0] as SynthedApp['stages'][number]).template;
  mapping = synthed.mappings[0] as SourceMapping;
}, 120_000);

afterAll(() => synthed.cleanup());

const dmsResource = (type: string, name: string) =>
  resource(template, type, `Dms${mapping.source.replace(/_/g, '')}${name}`);

describe('landing bucket', () => {
  it('sends ObjectCreated of .parquet keys to the loader queue through one notification', () => {
    // Prepare
    const queue = resource(template, 'AWS::SQS::Queue', 'LoaderQueueB');

    // Act
    const notifications = resource(template, 'Custom::S3BucketNotifications', 'LandingBucketNotifications');

    // Assess
    expect(notifications.properties.NotificationConfiguration).toEqual({
      QueueConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.parquet' }] } },
          QueueArn: { 'Fn::GetAtt': [queue.logicalId, 'Arn'] },
        },
      ],
    });
  });

  it('is private, encrypted, unversioned, logged and expires files after the configured days', () => {
    // Prepare
    const config = (synthed.stages[0] as SynthedApp['stages'][number]).config;

    // Act
    const bucket = resource(template, 'AWS::S3::Bucket', 'LandingBucket');

    // Assess
    expect(bucket.properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: resource(template, 'AWS::S3::Bucket', 'LandingAccessLogs').logicalId },
      },
      LifecycleConfiguration: {
        Rules: [expect.objectContaining({ ExpirationInDays: config.landingRetentionDays })],
      },
    });
    expect(bucket.properties.VersioningConfiguration).toBeUndefined();
  });

  it('denies requests that do not use TLS', () => {
    // Act
    const policy = resource(template, 'AWS::S3::BucketPolicy', 'LandingBucketPolicy');

    // Assess
    expect(JSON.stringify(policy.properties)).toContain('"aws:SecureTransport":"false"');
  });
});

describe('loader queue', () => {
  it('hides a message for at least 6 times the loader timeout', () => {
    // Prepare
    const loader = resource(template, 'AWS::Lambda::Function', 'LoaderFunction');

    // Act
    const queue = resource(template, 'AWS::SQS::Queue', 'LoaderQueueB');

    // Assess
    expect(queue.properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * Number(loader.properties.Timeout));
  });

  it('parks a message in the DLQ after 5 receives, kept 14 days', () => {
    // Prepare
    const deadLetters = resource(template, 'AWS::SQS::Queue', 'LoaderQueueDeadLetters');

    // Act
    const queue = resource(template, 'AWS::SQS::Queue', 'LoaderQueueB');

    // Assess
    expect(queue.properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [deadLetters.logicalId, 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(deadLetters.properties.MessageRetentionPeriod).toBe(14 * 86_400);
  });

  it.each(['LoaderQueueB', 'LoaderQueueDeadLetters'])('%s is encrypted', (prefix) => {
    // Act
    const queue = resource(template, 'AWS::SQS::Queue', prefix);

    // Assess
    expect(queue.properties.SqsManagedSseEnabled).toBe(true);
  });
});

describe('loader function', () => {
  it('reports partial batch failures with the shared batch size, window and concurrency cap', () => {
    // Act
    const mappingResource = resource(template, 'AWS::Lambda::EventSourceMapping', 'LoaderFunction');

    // Assess
    expect(mappingResource.properties).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: pipelineSettings.loader.batchSize,
      MaximumBatchingWindowInSeconds: pipelineSettings.loader.maxBatchingWindowSeconds,
      ScalingConfig: { MaximumConcurrency: pipelineSettings.loader.maxConcurrency },
    });
  });

  it('runs nodejs24.x on ARM64 with the shared memory and timeout, tracing and source maps', () => {
    // Act
    const loader = resource(template, 'AWS::Lambda::Function', 'LoaderFunction');

    // Assess
    expect(loader.properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: pipelineSettings.loader.memorySizeMb,
      Timeout: pipelineSettings.loader.timeoutSeconds,
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
  });

  it('runs every pipeline function on nodejs24.x, the Node the test suite also runs on', () => {
    // Act
    const pipelineFunctions = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).filter((fn) =>
      JSON.stringify(fn.Properties?.Environment ?? {}).includes('--enable-source-maps'),
    );

    // Assess
    expect(pipelineFunctions.length).toBeGreaterThanOrEqual(2);
    expect(pipelineFunctions.map((fn) => fn.Properties?.Runtime)).toEqual(
      pipelineFunctions.map(() => 'nodejs24.x'),
    );
  });

  it('bundles the routing table generated from mappings/', () => {
    // Prepare
    const routes = Object.keys(buildRoutingTable(synthed.mappings));

    // Act
    const code = bundledCode(synthed, template, 'LoaderFunction');

    // Assess
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((route) => !code.includes(`"${route}"`))).toEqual([]);
    // The identifier survives only where no define replaced it (the handler's guard mentions it in a message).
    expect(/typeof __DMS2BQ_ROUTING__/.test(code)).toBe(false);
  });

  it('bundles the CDC streaming exactly when a route of mappings/ has a current table', () => {
    // Prepare
    const streams = Object.values(buildRoutingTable(synthed.mappings)).some(
      (route) => route.current === 'table',
    );

    // Act
    const code = bundledCode(synthed, template, 'LoaderFunction');

    // Assess
    expect(code.includes('google.cloud.bigquery.storage.v1.BigQueryWrite')).toBe(streams);
    expect(/__DMS2BQ_CURRENT_TABLES__/.test(code)).toBe(false);
  });

  it('may read only objects under the mapped source prefixes', () => {
    // Act
    const s3 = iamStatements(template).filter(
      (statement) =>
        statement.policy.startsWith('LoaderRole') && JSON.stringify(statement.Action).includes('s3:'),
    );

    // Assess
    expect(s3).toEqual([
      expect.objectContaining({
        Action: 's3:GetObject',
        Resource: {
          'Fn::Join': [
            '',
            [{ 'Fn::GetAtt': [expect.stringMatching(/^LandingBucket/), 'Arn'] }, `/${mapping.source}/*`],
          ],
        },
      }),
    ]);
  });

  it('may shorten the visibility of its own queue’s failed records and look up that queue’s URL', () => {
    // Act: the loader's redelivery backoff calls GetQueueUrl and ChangeMessageVisibilityBatch, which
    // IAM authorises as sqs:GetQueueUrl and sqs:ChangeMessageVisibility.
    const sqs = iamStatements(template).filter(
      (statement) =>
        statement.policy.startsWith('LoaderRole') && JSON.stringify(statement.Action).includes('sqs:'),
    );

    // Assess
    expect(sqs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: expect.arrayContaining(['sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl']),
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LoaderQueue(?!DeadLetters)/), 'Arn'] },
        }),
      ]),
    );
  });

  it('may send row-group range messages to its own queue only, whose URL it is given', () => {
    // Act: a file too big for one invocation goes on as range messages (ADR 0045).
    const sends = iamStatements(template).filter(
      (statement) =>
        statement.policy.startsWith('LoaderRole') && JSON.stringify(statement.Action).includes('sqs:Send'),
    );
    const loader = resource(template, 'AWS::Lambda::Function', 'LoaderFunction');
    const env = (loader.properties.Environment as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(sends).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LoaderQueue(?!DeadLetters)/), 'Arn'] },
      }),
    ]);
    expect(env.LOADER_QUEUE_URL).toEqual({
      Ref: expect.stringMatching(/^LoaderQueue(?!DeadLetters)/),
    });
  });
});

describe('DMS replication per mapping', () => {
  it('writes Parquet with the generated S3 settings into the landing bucket', () => {
    // Prepare
    const expected = Object.fromEntries(Object.entries(buildS3Settings(mapping)));

    // Act
    const target = joinedJson(dmsResource('Custom::DmsReplicationTask', 'Task').properties.TargetEndpoint);

    // Assess
    expect(target).toMatchObject({ EndpointIdentifier: 'dms2bq-dev-casino-a-target', EngineName: 's3' });
    expect(target.S3Settings).toMatchObject({
      ...expected,
      DataFormat: 'parquet',
      IncludeOpForFullLoad: true,
      TimestampColumnName: '_dms_timestamp',
      EnableStatistics: true,
      DatePartitionEnabled: true,
      CdcMaxBatchInterval: mapping.dms?.cdcMaxBatchIntervalSeconds,
      BucketFolder: mapping.source,
      BucketName: expect.stringMatching(/^<Ref:LandingBucket/),
      EncryptionMode: 'sse-s3',
    });
  });

  it('declares no AWS::DMS::Endpoint: the task resource owns the endpoints, so only it changes them, stopped', () => {
    // Act
    const endpoints = resourcesOfType(template, 'AWS::DMS::Endpoint');

    // Assess
    expect(endpoints).toEqual({});
  });

  it('verifies the source server certificate in full against the region’s RDS root CAs', () => {
    // Prepare
    const certificate = resource(template, 'AWS::DMS::Certificate', 'DmsRdsCa');

    // Act
    const source = joinedJson(dmsResource('Custom::DmsReplicationTask', 'Task').properties.SourceEndpoint);

    // Assess
    expect(source).toMatchObject({
      SslMode: 'verify-full',
      CertificateArn: `<Ref:${certificate.logicalId}>`,
    });
    const pem = String(certificate.properties.CertificatePem);
    expect(pem.match(/BEGIN CERTIFICATE/g)?.length).toBeGreaterThan(0);
    const subjects = pem
      .split(/(?=-----BEGIN CERTIFICATE-----)/)
      .map((one) => new X509Certificate(one).subject);
    for (const subject of subjects) expect(subject).toMatch(/CN=Amazon RDS eu-west-1 Root CA/);
  });

  it('pins the replication engine version, at least 3.5.4', () => {
    // Act
    const instance = resource(template, 'AWS::DMS::ReplicationInstance', 'DmsInstance');

    // Assess
    expect(instance.properties).toMatchObject({ EngineVersion: '3.6.1', AllowMajorVersionUpgrade: true });
  });

  it('tags the task and its endpoints with the stage, which the provider’s permissions key on', () => {
    // Act
    const task = dmsResource('Custom::DmsReplicationTask', 'Task');

    // Assess
    expect(JSON.parse(String(task.properties.Tags))).toEqual([{ Key: 'dms2bq-stage', Value: 'dev' }]);
  });

  it('creates the task through the custom resource with the generated mappings and settings, full load then CDC', () => {
    // Prepare
    const instance = resource(template, 'AWS::DMS::ReplicationInstance', 'DmsInstance');

    // Act
    const task = dmsResource('Custom::DmsReplicationTask', 'Task');

    // Assess
    expect(task.properties).toMatchObject({
      ReplicationTaskIdentifier: 'dms2bq-dev-casino-a',
      ReplicationInstanceArn: { Ref: instance.logicalId },
      MigrationType: 'full-load-and-cdc',
      TableMappings: tableMappingsJson(mapping),
      ReplicationTaskSettings: JSON.stringify(buildReplicationSettings(mapping)),
      WaitTimeoutSeconds: String(45 * 60),
    });
  });

  it('updates the task after the loader, so a new table is routed before DMS writes its first file', () => {
    // Prepare
    const loader = resource(template, 'AWS::Lambda::Function', 'LoaderFunction');

    // Act
    const dependsOn = (template.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[
      dmsResource('Custom::DmsReplicationTask', 'Task').logicalId
    ]?.DependsOn;

    // Assess
    expect(dependsOn).toContain(loader.logicalId);
  });

  it('pre-creates the log group DMS writes the instance’s task logs to, with retention', () => {
    // Prepare
    const config = (synthed.stages[0] as SynthedApp['stages'][number]).config;

    // Act
    const logGroup = resource(template, 'AWS::Logs::LogGroup', 'DmsTaskLogs');

    // Assess
    expect(logGroup.properties).toEqual({
      LogGroupName: 'dms-tasks-dms2bq-dev',
      RetentionInDays: config.dms.logRetentionDays,
    });
  });

  it('runs one private replication instance of the configured class for the stage', () => {
    // Act
    const instance = resource(template, 'AWS::DMS::ReplicationInstance', 'DmsInstance');

    // Assess
    expect(instance.properties).toMatchObject({
      ReplicationInstanceIdentifier: 'dms2bq-dev',
      ReplicationInstanceClass: 'dms.t3.medium',
      PubliclyAccessible: false,
    });
  });

  it('reaches Secrets Manager through an interface endpoint whose group admits only DMS on 443', () => {
    // Prepare
    const dmsGroup = resource(template, 'AWS::EC2::SecurityGroup', 'DmsSecurityGroup');
    const endpointGroup = resource(
      template,
      'AWS::EC2::SecurityGroup',
      'DmsSecretsManagerEndpointSecurityGroup',
    );

    // Act
    const endpoint = resource(template, 'AWS::EC2::VPCEndpoint', 'DmsSecretsManagerEndpoint');

    // Assess
    expect(endpoint.properties).toMatchObject({
      ServiceName: 'com.amazonaws.eu-west-1.secretsmanager',
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
      SecurityGroupIds: [{ 'Fn::GetAtt': [endpointGroup.logicalId, 'GroupId'] }],
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      GroupId: { 'Fn::GetAtt': [endpointGroup.logicalId, 'GroupId'] },
      SourceSecurityGroupId: { 'Fn::GetAtt': [dmsGroup.logicalId, 'GroupId'] },
      FromPort: 443,
    });
  });

  it('lets DMS send only to the source database, S3’s prefix list and the Secrets Manager endpoint', () => {
    // Prepare
    const endpointGroup = resource(
      template,
      'AWS::EC2::SecurityGroup',
      'DmsSecretsManagerEndpointSecurityGroup',
    );
    const dmsGroup = resource(template, 'AWS::EC2::SecurityGroup', 'DmsSecurityGroup');

    // Act
    const egress = [
      ...(dmsGroup.properties.SecurityGroupEgress as Record<string, unknown>[]),
      ...Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')).map(
        (rule) => rule.Properties,
      ),
    ];

    // Assess
    expect(JSON.stringify(egress)).not.toContain('0.0.0.0/0');
    expect(egress).toEqual([
      expect.objectContaining({ FromPort: 3306, DestinationSecurityGroupId: expect.stringMatching(/^sg-/) }),
      expect.objectContaining({ FromPort: 443, DestinationPrefixListId: 'pl-0aaaaaaaaaaaaaaa1' }),
      expect.objectContaining({
        FromPort: 443,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [endpointGroup.logicalId, 'GroupId'] },
      }),
    ]);
  });

  it('reads the source credentials from Secrets Manager through an access role', () => {
    // Act
    const source = joinedJson(dmsResource('Custom::DmsReplicationTask', 'Task').properties.SourceEndpoint);

    // Assess
    expect(source).toMatchObject({
      EndpointIdentifier: 'dms2bq-dev-casino-a-source',
      EndpointType: 'source',
      EngineName: mapping.engine === 'aurora-mysql' ? 'aurora' : 'mysql',
      MySQLSettings: {
        SecretsManagerSecretId: expect.stringContaining(':secret:'),
        SecretsManagerAccessRoleArn: expect.stringMatching(/^<.*SecretAccessRole.*\.Arn>$/),
      },
    });
  });

  it('lets DMS write, delete and tag only under its source prefix, and list the bucket as AWS’s S3-target policy does', () => {
    // Act
    const statements = iamStatements(template).filter((statement) =>
      statement.policy.includes('TargetAccessRole'),
    );

    // Assess
    expect(statements.map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
      {
        Action: ['s3:PutObject', 's3:DeleteObject', 's3:PutObjectTagging'],
        Resource: {
          'Fn::Join': [
            '',
            [{ 'Fn::GetAtt': [expect.stringMatching(/^LandingBucket/), 'Arn'] }, `/${mapping.source}/*`],
          ],
        },
      },
      {
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^LandingBucket/), 'Arn'] },
      },
    ]);
    // No s3:prefix condition: DMS's listings (ExpectedBucketOwner checks among them) are undocumented.
    expect(JSON.stringify(statements[1])).not.toContain('Condition');
  });
});

describe('least privilege', () => {
  it('grants no wildcard action anywhere', () => {
    // Act
    const wildcards = iamStatements(template).filter((statement) =>
      JSON.stringify(statement.Action).includes('*'),
    );

    // Assess
    expect(wildcards).toEqual([]);
  });

  it('uses Resource "*" only for X-Ray and DMS task listing, which have no resource-level permissions', () => {
    // Act
    const actions = iamStatements(template)
      .filter((statement) => statement.Resource === '*')
      .flatMap((statement) => [statement.Action].flat() as string[]);

    // Assess
    expect(new Set(actions)).toEqual(
      new Set([
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'dms:DescribeReplicationTasks',
        'dms:DescribeEndpoints',
        'dms:DescribeConnections',
      ]),
    );
  });

  it('lets the DMS task provider create only stage-tagged tasks and endpoints and change only those', () => {
    // Act
    const statements = iamStatements(template).filter(
      (statement) =>
        statement.policy.startsWith('DmsTaskProvider') &&
        JSON.stringify(statement.Action).includes('dms:') &&
        statement.Resource !== '*',
    ) as { Action: string[]; Resource: unknown[]; Condition?: unknown }[];

    // Assess
    const writes = [
      'dms:CreateEndpoint',
      'dms:CreateReplicationTask',
      'dms:ModifyEndpoint',
      'dms:DeleteEndpoint',
      'dms:ModifyReplicationTask',
      'dms:StartReplicationTask',
      'dms:StopReplicationTask',
      'dms:DeleteReplicationTask',
      'dms:ReloadTables',
    ];
    for (const statement of statements) {
      const wildcard = JSON.stringify(statement.Resource).match(/:(task|endpoint):\*/g);
      if (wildcard) {
        const condition = (statement.Condition ?? {}) as { StringEquals?: Record<string, string> };
        expect(Object.entries(condition.StringEquals ?? {})).toEqual([
          [expect.stringMatching(/^aws:(Request|Resource)Tag\/dms2bq-stage$/), 'dev'],
        ]);
      }
    }
    const granted = new Set(statements.flatMap((statement) => [statement.Action].flat()));
    for (const action of writes) expect(granted).toContain(action);
    const changeOnly = statements.find((statement) => statement.Action.includes('dms:StopReplicationTask'));
    expect(changeOnly?.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/dms2bq-stage': 'dev' } });
  });
});

describe('alarms', () => {
  it('notifies the alarm topic from every alarm', () => {
    // Prepare
    const topic = resource(template, 'AWS::SNS::Topic', 'AlarmTopic');

    // Act
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));

    // Assess
    for (const alarm of alarms) expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topic.logicalId }]);
  });

  it('links an existing runbook from every alarm description', () => {
    // Act
    const runbooks = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map(
      (alarm) =>
        /Runbook: \S*?(docs\/runbooks\/[a-z-]+\.md)$/.exec(String(alarm.Properties?.AlarmDescription))?.[1],
    );

    // Assess
    for (const runbook of runbooks) expect(runbook && existsSync(runbook)).toBe(true);
  });

  it('watches each table’s freshness with the loader’s metric dimensions', () => {
    // Prepare
    const loader = resource(template, 'AWS::Lambda::Function', 'LoaderFunction');
    const env = (loader.properties.Environment as { Variables: Record<string, string> }).Variables;

    // Act
    const freshness = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties?.MetricName === 'Freshness',
    );

    // Assess
    expect(freshness).toHaveLength(mapping.tables.length);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Freshness',
      Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
      Dimensions: Match.arrayWith([{ Name: 'service', Value: env.POWERTOOLS_SERVICE_NAME }]),
    });
  });

  it('pages on the first row-count mismatch of each table, with the loader’s metric dimensions', () => {
    // Prepare
    const loader = resource(template, 'AWS::Lambda::Function', 'LoaderFunction');
    const env = (loader.properties.Environment as { Variables: Record<string, string> }).Variables;

    // Act
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    const mismatches = alarms.filter((alarm) => alarm.Properties?.MetricName === 'RowCountMismatches');
    const perTable = alarms.filter((alarm) => alarm.Properties?.MetricName === 'LoadJobs');

    // Assess
    expect(perTable.length).toBeGreaterThan(0);
    expect(mismatches).toHaveLength(perTable.length);
    for (const alarm of mismatches) {
      expect(alarm.Properties).toMatchObject({
        Namespace: env.POWERTOOLS_METRICS_NAMESPACE,
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: expect.stringMatching(/docs\/runbooks\/row-count-mismatch\.md$/),
      });
    }
  });

  it('alarms on each CDC-table route’s stream errors, and only on those, with the runbook and a dashboard widget', () => {
    // Prepare
    const routes = Object.values(buildRoutingTable(synthed.mappings)).filter(
      (route) => route.current === 'table',
    );
    const dashboard = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'))[0];

    // Act
    const streamAlarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties?.MetricName === 'CurrentStreamErrors',
    );

    // Assess
    expect(routes.length).toBeGreaterThan(0);
    expect(
      streamAlarms
        .map(
          (alarm) =>
            ((alarm.Properties?.Dimensions ?? []) as { Name: string; Value: string }[]).find(
              (d) => d.Name === 'table',
            )?.Value,
        )
        .sort(),
    ).toEqual(routes.map((route) => route.targetTable).sort());
    for (const alarm of streamAlarms) {
      expect(alarm.Properties).toMatchObject({
        Statistic: 'Sum',
        Threshold: 0,
        EvaluationPeriods: 3,
        TreatMissingData: 'notBreaching',
        AlarmDescription: expect.stringMatching(/Runbook: \S*docs\/runbooks\/current-table-stream\.md$/),
      });
    }
    const body = JSON.stringify(joinedJson(dashboard?.Properties?.DashboardBody));
    expect(body).toContain('_current CDC stream errors');
    expect(body).toContain('CurrentStreamErrors');
  });

  it.each([
    ['the DLQ has messages', 'ApproximateNumberOfMessagesVisible'],
    ['the oldest loader message is too old', 'ApproximateAgeOfOldestMessage'],
    ['the loader fails', 'Errors'],
    ['DMS falls behind', 'CDCLatencySource'],
  ])('alarms when %s', (_what, metricName) => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metricName });
  });

  it('watches DMS latency with the task metric dimensions, never stuck in ALARM by a wrong dimension value', () => {
    // Prepare
    const task = dmsResource('Custom::DmsReplicationTask', 'Task');

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CDCLatencySource',
      Namespace: 'AWS/DMS',
      TreatMissingData: 'notBreaching',
      Dimensions: [
        { Name: 'ReplicationInstanceIdentifier', Value: 'dms2bq-dev' },
        { Name: 'ReplicationTaskIdentifier', Value: { 'Fn::GetAtt': [task.logicalId, 'TaskResourceId'] } },
      ],
    });
  });
});

describe('DMS events', () => {
  it('pages only for failure events of a replication task, not for the stop, modify and resume of a deploy', () => {
    // Prepare
    const task = dmsResource('Custom::DmsReplicationTask', 'Task');
    const topic = resource(template, 'AWS::SNS::Topic', 'AlarmTopic');

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.dms'],
        resources: [{ 'Fn::GetAtt': [task.logicalId, 'TaskArn'] }],
        detail: { category: ['Failure'] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: topic.logicalId } })],
    });
  });

  it('pages for failover, failure and low-storage events of the replication instance', () => {
    // Prepare
    const instance = resource(template, 'AWS::DMS::ReplicationInstance', 'DmsInstance');
    const topic = resource(template, 'AWS::SNS::Topic', 'AlarmTopic');

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.dms'],
        resources: [{ Ref: instance.logicalId }],
        detail: { category: ['Failover', 'Failure', 'LowStorage', 'Low Storage'] },
      },
      Targets: [
        Match.objectLike({
          Arn: { Ref: topic.logicalId },
          InputTransformer: Match.objectLike({
            InputTemplate: Match.stringLikeRegexp('docs/runbooks/dms-instance\\.md'),
          }),
        }),
      ],
    });
  });

  it.each([
    ['FreeStorageSpace', 'LessThanThreshold', 0.2],
    ['FreeableMemory', 'LessThanThreshold', 512 * 1024 ** 2],
    ['CPUUtilization', 'GreaterThanThreshold', 80],
  ])('alarms on the instance’s %s (%s %d) with its runbook', (metric, operator, limit) => {
    // Prepare
    const config = (synthed.stages[0] as SynthedApp['stages'][number]).config;
    const threshold =
      metric === 'FreeStorageSpace' ? Math.round(config.dms.allocatedStorageGb * 1024 ** 3 * limit) : limit;

    // Act
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties?.MetricName === metric,
    );

    // Assess
    expect(alarms.map((alarm) => alarm.Properties)).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/DMS',
        Dimensions: [{ Name: 'ReplicationInstanceIdentifier', Value: 'dms2bq-dev' }],
        ComparisonOperator: operator,
        Threshold: threshold,
        AlarmDescription: expect.stringMatching(/Runbook: \S+docs\/runbooks\/dms-instance\.md$/),
      }),
    ]);
  });
});

describe('the whole template', () => {
  it('has no unacknowledged cdk-nag AwsSolutions or Serverless finding', () => {
    // Act
    const violations = nagPacks(synthed.app).flatMap((pack) => pack.validateScope(synthed.app).violations);

    // Assess
    expect(
      violations.map((violation) => `${violation.ruleName}: ${JSON.stringify(violation.violatingResources)}`),
    ).toEqual([]);
  });

  it('matches the golden snapshot', async () => {
    // Assess
    await expect(normalisedTemplate(template)).toMatchFileSnapshot('__snapshots__/dev.template.json');
  });
});

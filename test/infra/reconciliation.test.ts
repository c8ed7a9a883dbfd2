import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag.js';
import { iamStatements, resource, type SynthedApp, synthStages } from './support.js';

let synthed: SynthedApp;
let template: Template;

beforeAll(() => {
  synthed = synthStages(['dev'], { bundle: false });
  template = (synthed.stages[0] as SynthedApp['stages'][number]).template;
}, 120_000);

afterAll(() => synthed.cleanup());

describe('the reconciliation', () => {
  it('is run by EventBridge Scheduler every 15 minutes, without retries', () => {
    // Prepare
    const fn = resource(template, 'AWS::Lambda::Function', 'ReconciliationFunction');

    // Act
    const schedule = resource(template, 'AWS::Scheduler::Schedule', 'ReconciliationSchedule');

    // Assess
    expect(schedule.properties).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [fn.logicalId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0 },
      },
    });
  });

  it('alarms on drifting tables, and on missing runs, to the stack’s topic with its runbook', () => {
    // Prepare
    const topic = resource(template, 'AWS::SNS::Topic', 'AlarmTopic');

    // Act
    const alarm = resource(template, 'AWS::CloudWatch::Alarm', 'ReconciliationDrift');

    // Assess
    expect(alarm.properties).toMatchObject({
      Namespace: 'dms2bq',
      MetricName: 'TablesDrifting',
      Dimensions: [{ Name: 'service', Value: 'Dms2Bq-dev-reconcile' }],
      Statistic: 'Maximum',
      Period: 900,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topic.logicalId }],
      OKActions: [{ Ref: topic.logicalId }],
    });
    expect(alarm.properties.AlarmDescription).toMatch(/Runbook: .*docs\/runbooks\/reconciliation-drift\.md$/);
  });

  it('publishes its metrics where the alarm looks, for the stage’s tasks', () => {
    // Act
    const fn = resource(template, 'AWS::Lambda::Function', 'ReconciliationFunction');

    // Assess
    expect((fn.properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      STAGE: 'dev',
      POWERTOOLS_SERVICE_NAME: 'Dms2Bq-dev-reconcile',
      POWERTOOLS_METRICS_NAMESPACE: 'dms2bq',
      SETTLE_MINUTES: '15',
      GCP_PROJECT_ID: synthed.stages[0]?.config.gcp.projectId,
    });
  });

  it('outputs its role for the GCP workload identity binding', () => {
    // Prepare
    const fn = resource(template, 'AWS::Lambda::Function', 'ReconciliationFunction');

    // Act
    const output = template.findOutputs('ReconcileRoleArn');

    // Assess
    expect(output.ReconcileRoleArn?.Value).toEqual({
      'Fn::GetAtt': [(fn.properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0], 'Arn'],
    });
  });

  it('may read DMS task statistics and nothing else of DMS', () => {
    // Prepare
    const { config } = synthed.stages[0] as SynthedApp['stages'][number];

    // Act
    const statements = iamStatements(template).filter(
      (statement) =>
        statement.policy.startsWith('ReconciliationFunction') && String(statement.Action).startsWith('dms:'),
    );

    // Assess
    expect(statements.map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
      { Action: 'dms:DescribeReplicationTasks', Resource: '*' },
      {
        Action: 'dms:DescribeTableStatistics',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, `:dms:${config.region}:${config.account}:task:*`],
          ],
        },
      },
    ]);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    // Act
    const violations = nagPacks(synthed.app)
      .flatMap((pack) => pack.validateScope(synthed.app).violations)
      .filter((violation) => JSON.stringify(violation.violatingResources).includes('Reconciliation'));

    // Assess
    expect(violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

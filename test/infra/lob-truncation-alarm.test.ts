import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, expect, it } from 'vitest';
import { LobTruncationAlarm } from '../../infra/constructs/lob-truncation-alarm.js';
import { resourcesOfType, type SynthedApp, synthStages } from './support.js';

let template: Template;
let ids: { logGroup: string; topic: string };

beforeAll(() => {
  const stack = new Stack(new App(), 'Dms2Bq-test');
  const logGroup = new LogGroup(stack, 'TaskLog');
  const topic = new Topic(stack, 'Topic');
  new LobTruncationAlarm(stack, 'Lob', {
    sources: ['shop', 'games'],
    logGroup,
    topic,
    runbookBaseUrl: 'https://example.com/repo/blob/main/',
  });
  template = Template.fromStack(stack);
  ids = {
    logGroup: stack.getLogicalId(logGroup.node.defaultChild as never),
    topic: stack.getLogicalId(topic.node.defaultChild as never),
  };
  // The first CDK synth of a test file loads aws-cdk-lib: slow when the shared machine is busy.
}, 60_000);

it('counts DMS truncation warnings in the task log with the shared pattern', () => {
  // Assess
  template.hasResourceProperties('AWS::Logs::MetricFilter', {
    LogGroupName: { Ref: ids.logGroup },
    FilterPattern: '"]W:" "was truncated to"',
    MetricTransformations: [
      { MetricNamespace: 'dms2bq', MetricName: 'Dms2Bq-test-LobTruncations', MetricValue: '1' },
    ],
  });
});

it('pages on the first truncation and links the runbook', () => {
  // Assess
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'dms2bq',
    MetricName: 'Dms2Bq-test-LobTruncations',
    Statistic: 'Sum',
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    TreatMissingData: 'notBreaching',
    AlarmActions: [{ Ref: ids.topic }],
    AlarmDescription:
      'DMS truncated a LOB at LobMaxSize (sources: shop, games; the log stream names the task). Runbook: https://example.com/repo/blob/main/docs/runbooks/lob-truncated.md',
  });
});

it("watches the task log group of the stage's replication instance once", { timeout: 60_000 }, () => {
  // Prepare
  const synthed = synthStages(['dev'], { bundle: false });
  const stage = synthed.stages[0] as SynthedApp['stages'][number];

  // Act
  const filters = Object.keys(resourcesOfType(stage.template, 'AWS::Logs::MetricFilter'));
  synthed.cleanup();

  // Assess
  expect(filters).toHaveLength(1);
  expect(Object.values(resourcesOfType(stage.template, 'AWS::Logs::MetricFilter'))[0]).toMatchObject({
    Properties: { LogGroupName: { Ref: expect.stringMatching(/^DmsTaskLogs/) } },
  });
});

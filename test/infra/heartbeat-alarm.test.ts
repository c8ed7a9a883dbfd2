import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeatTiming } from '../../lambdas/shared/heartbeat.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { resource, resourcesOfType, type SynthedApp, synthStages } from './support.js';

let synthed: SynthedApp;
let template: Template;
let mapping: SourceMapping;

beforeAll(() => {
  synthed = synthStages(['dev'], { bundle: false });
  template = (synthed.stages[0] as SynthedApp['stages'][number]).template;
  mapping = synthed.mappings[0] as SourceMapping;
}, 60_000);

afterAll(() => synthed.cleanup());

type Alarm = { Properties: Record<string, unknown> };
const freshnessAlarmsOf = (table: string) =>
  (Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')) as Alarm[]).filter(
    (alarm) =>
      alarm.Properties.MetricName === 'Freshness' &&
      JSON.stringify(alarm.Properties.Dimensions).includes(`{"Name":"table","Value":"${table}"}`),
  );

describe('heartbeat alarm', () => {
  it('treats a missing heartbeat as breaching, over periods that always hold a healthy load', () => {
    // Prepare
    const timing = heartbeatTiming(mapping);

    // Act
    const alarms = freshnessAlarmsOf('heartbeat');

    // Assess
    expect(timing?.periodSeconds).toBe(240);
    expect(alarms).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          TreatMissingData: 'breaching',
          Period: 240,
          EvaluationPeriods: 2,
          DatapointsToAlarm: 2,
          Statistic: 'Maximum',
          Threshold: 15 * 60_000,
          AlarmDescription: expect.stringMatching(
            /a stall pages within 90 \+ 60 \+ 3 × 240 = 870 s .*Runbook: \S+docs\/runbooks\/heartbeat-stale\.md$/,
          ),
        }),
      }),
    ]);
  });

  it('leaves an ordinary table’s freshness alarm quiet when the table is idle', () => {
    // Act
    const alarms = freshnessAlarmsOf('bets');

    // Assess
    expect(alarms.map((alarm) => alarm.Properties.TreatMissingData)).toEqual(['notBreaching']);
  });

  it('shows every source’s heartbeat on the dashboard', () => {
    // Act
    const body = JSON.stringify(resource(template, 'AWS::CloudWatch::Dashboard', 'Dashboard').properties);

    // Assess
    expect(body).toContain('Heartbeat per source');
    expect(body).toContain(`\\"table\\",\\"heartbeat\\"`);
  });
});

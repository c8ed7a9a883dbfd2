import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resource, resourcesOfType, type SynthedApp, synthStages } from './support.js';

interface Statement {
  Sid?: string;
  Effect: string;
  Principal: unknown;
  Action: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

let synthed: SynthedApp;
let template: Template;
let account: string;
let region: string;

beforeAll(() => {
  synthed = synthStages(['dev'], { bundle: false });
  const stage = synthed.stages[0] as SynthedApp['stages'][number];
  template = stage.template;
  account = stage.config.account;
  region = stage.config.region;
}, 60_000);

afterAll(() => synthed.cleanup());

const statementsOf = (type: string, prefix: string): Statement[] =>
  (resource(template, type, prefix).properties.PolicyDocument as { Statement: Statement[] }).Statement;

const byService = (statements: Statement[], service: string) =>
  statements.filter(
    (statement) => JSON.stringify(statement.Principal) === JSON.stringify({ Service: service }),
  );

describe('alarm topic policy', () => {
  it('lets CloudWatch publish only for alarms of this account and region', () => {
    // Act
    const [statement, ...others] = byService(
      statementsOf('AWS::SNS::TopicPolicy', 'AlarmTopicPolicy'),
      'cloudwatch.amazonaws.com',
    );

    // Assess
    expect(others).toEqual([]);
    expect(statement).toMatchObject({ Effect: 'Allow', Action: 'sns:Publish' });
    expect(statement?.Condition?.StringEquals).toEqual({ 'aws:SourceAccount': account });
    expect(JSON.stringify(statement?.Condition?.ArnLike?.['aws:SourceArn'])).toContain(
      `:cloudwatch:${region}:${account}:alarm:*`,
    );
  });

  it('lets EventBridge publish only for the stack’s own rules, one statement per rule', () => {
    // Prepare
    const rules = Object.keys(resourcesOfType(template, 'AWS::Events::Rule'));

    // Act
    const statements = byService(
      statementsOf('AWS::SNS::TopicPolicy', 'AlarmTopicPolicy'),
      'events.amazonaws.com',
    );

    // Assess
    expect(rules.length).toBeGreaterThan(0);
    expect(statements.map((statement) => statement.Condition)).toEqual(
      rules.map((rule) => ({
        StringEquals: { 'aws:SourceAccount': account },
        ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } },
      })),
    );
  });

  it('still denies publishing without TLS', () => {
    // Act
    const deny = statementsOf('AWS::SNS::TopicPolicy', 'AlarmTopicPolicy').filter((s) => s.Effect === 'Deny');

    // Assess
    expect(deny).toEqual([
      expect.objectContaining({
        Principal: '*',
        Action: 'sns:Publish',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ]);
  });

  it('grants no service principal without a condition', () => {
    // Act
    const unconditioned = statementsOf('AWS::SNS::TopicPolicy', 'AlarmTopicPolicy').filter(
      (statement) => statement.Effect === 'Allow' && statement.Condition === undefined,
    );

    // Assess
    expect(unconditioned).toEqual([]);
  });
});

describe('loader queue policy', () => {
  it('lets S3 send only from the landing bucket of this account', () => {
    // Prepare
    const bucket = resource(template, 'AWS::S3::Bucket', 'LandingBucket');

    // Act
    const [statement, ...others] = byService(
      statementsOf('AWS::SQS::QueuePolicy', 'LoaderQueuePolicy'),
      's3.amazonaws.com',
    );

    // Assess
    expect(others).toEqual([]);
    expect(statement?.Condition).toEqual({
      ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucket.logicalId, 'Arn'] } },
      StringEquals: { 'aws:SourceAccount': account },
    });
  });
});

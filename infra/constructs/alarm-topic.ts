import { Stack } from 'aws-cdk-lib';
import type { IRuleRef, IRuleTarget, RuleTargetConfig, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';

/**
 * `enforceSSL` and any grant make CDK write an `AWS::SNS::TopicPolicy`, which replaces the
 * topic's default policy: from then on only the statements below let services publish. Without
 * this one, CloudWatch fails every alarm action with "Resource: arn:aws:cloudwatch:…:alarm:… is
 * not authorized to perform: SNS:Publish" (AWS re:Post, "Why didn't I receive an SNS notification
 * for my CloudWatch alarm trigger?"). The conditions keep the grant to alarms of this account and
 * region: CloudWatch sends the alarm ARN (`arn:…:cloudwatch:<region>:<account>:alarm:<name>`) as
 * `aws:SourceArn`. The name part stays `*`: CloudFormation generates the alarm names, and no AWS page
 * promises their form, so a narrower pattern could silently drop every notification.
 */
export function allowCloudWatchAlarms(topic: ITopic): void {
  const stack = Stack.of(topic);
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:*`,
        },
      },
    }),
  );
}

/**
 * An EventBridge rule → SNS target like CDK's `SnsTopic`, whose grant to `events.amazonaws.com`
 * has no condition: here the topic policy lets EventBridge publish only on behalf of this rule
 * (`aws:SourceArn` is the rule's ARN, as in EventBridge's "Using resource-based policies"
 * examples) in this account.
 */
export class RuleToTopic implements IRuleTarget {
  constructor(
    private readonly topic: ITopic,
    private readonly message: RuleTargetInput,
  ) {}

  bind(rule: IRuleRef): RuleTargetConfig {
    const stack = Stack.of(this.topic);
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': rule.ruleRef.ruleArn },
        },
      }),
    );
    return { arn: this.topic.topicArn, input: this.message, targetResource: this.topic };
  }
}

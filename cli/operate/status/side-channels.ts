import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface FiringAlarm {
  name: string;
  reason: string;
  /** The alarm's `source`/`table` dimensions, when it watches one table. */
  table?: { source: string; table: string };
}

/** Every alarm of the stack in state ALARM: CloudFormation names them `<stack name>-<logical ID>-…`. */
export async function firingAlarms(cloudwatch: CloudWatchClient, prefix: string): Promise<FiringAlarm[]> {
  const alarms: FiringAlarm[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        StateValue: 'ALARM',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const alarm of page.MetricAlarms ?? []) {
      const dimension = (name: string) => alarm.Dimensions?.find((d) => d.Name === name)?.Value;
      const source = dimension('source');
      const table = dimension('table');
      alarms.push({
        name: alarm.AlarmName ?? '',
        reason: alarm.StateReason ?? '',
        ...(source && table ? { table: { source, table } } : {}),
      });
    }
    for (const alarm of page.CompositeAlarms ?? [])
      alarms.push({ name: alarm.AlarmName ?? '', reason: alarm.StateReason ?? '' });
    token = page.NextToken;
  } while (token);
  return alarms;
}

/** Messages waiting in the DLQ (ApproximateNumberOfMessages: visible ones, eventually consistent). */
export async function deadLetterDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

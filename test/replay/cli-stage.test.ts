import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { registerReplayCommand } from '../../cli/commands/operate/replay.js';
import { loadStageConfig } from '../../infra/config.js';
import { runDms2bq } from '../support/cli.js';

const dms2bq = (...argv: string[]) => runDms2bq([registerReplayCommand], ['replay', ...argv]);

const payload = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'];

describe('dms2bq replay --stage', () => {
  // CloudFormation and Lambda are AWS's to run: these tests script their clients.
  const cloudFormation = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);

  afterEach(() => {
    cloudFormation.reset();
    lambda.reset();
  });

  it('invokes the function named by the stage stack’s ReplayFunctionName output, in the stage’s region', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand, { StackName: 'Dms2Bq-dev' }).resolves({
      Stacks: [
        {
          StackName: 'Dms2Bq-dev',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [{ OutputKey: 'ReplayFunctionName', OutputValue: 'Dms2Bq-dev-ReplayFunction-abc' }],
        },
      ],
    });
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: payload({ listed: 3, matched: 2, enqueued: 2 }) });

    // Act
    const result = await dms2bq('--stage', 'dev', '--source', 'casino_a');

    // Assess
    expect(result.code).toBe(0);
    expect(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.FunctionName).toBe(
      'Dms2Bq-dev-ReplayFunction-abc',
    );
    expect(await lambda.call(0).thisValue.config.region()).toBe(loadStageConfig('dev').region);
  });

  it('says when the stack has no replay function output', async () => {
    // Prepare
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        { StackName: 'Dms2Bq-dev', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] },
      ],
    });

    // Act
    const result = await dms2bq('--stage', 'dev', '--source', 'casino_a');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stack Dms2Bq-dev in');
    expect(result.stderr).toContain('has no output ReplayFunctionName; is it deployed?');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  it('names the missing stage config', async () => {
    // Act
    const result = await dms2bq('--stage', 'qa', '--source', 'casino_a');

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('config/qa.json: no such stage config'),
    });
  });
});

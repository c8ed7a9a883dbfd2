import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerReplayCommand } from '../../cli/commands/operate/replay.js';
import { cdcKey, loadKey } from '../../lambdas/shared/dms/keys.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import { runDms2bq } from '../support/cli.js';
import { putObjects, receiveReplayMessages, sortedKeys } from './support.js';

const dms2bq = (...argv: string[]) => runDms2bq([registerReplayCommand], ['replay', ...argv]);

/** The SDK wraps response payloads in a blob adapter; the bytes are all the CLI reads. */
const payload = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value)) as InvokeCommandOutput['Payload'];

describe('dms2bq replay against the deployed function', () => {
  // The deployed function is AWS's to run: these tests script the Lambda client.
  const lambdaMock = mockClient(LambdaClient);

  afterEach(() => {
    lambdaMock.reset();
  });

  it('invokes again with each continuation token and adds up the counts', async () => {
    // Prepare
    lambdaMock
      .on(InvokeCommand)
      .resolvesOnce({
        StatusCode: 200,
        Payload: payload({ listed: 1000, matched: 990, enqueued: 990, continuationToken: 't1' }),
      })
      .resolvesOnce({ StatusCode: 200, Payload: payload({ listed: 20, matched: 20, enqueued: 20 }) });

    // Act
    const result = await dms2bq(
      '--source',
      'casino_a',
      '--from',
      '2026-03-02',
      '--function-name',
      'replay-fn',
      '--region',
      'eu-west-1',
    );

    // Assess
    const requests = lambdaMock.commandCalls(InvokeCommand).map((call) => ({
      FunctionName: call.args[0].input.FunctionName,
      request: JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array)),
    }));
    expect(requests).toEqual([
      { FunctionName: 'replay-fn', request: { source: 'casino_a', from: '2026-03-02' } },
      {
        FunctionName: 'replay-fn',
        request: { source: 'casino_a', from: '2026-03-02', continuationToken: 't1' },
      },
    ]);
    expect(result).toEqual({
      code: 0,
      stdout:
        'replayed casino_a: enqueued 1010 of 1010 CDC file(s) (of 1020 listed) in 2 invocation(s)\n' +
        '  skipped: LOAD files (the full load): pass --include-full-load to replay them too\n' +
        '  skipped: CDC files written outside --from/--to\n' +
        '  skipped: the loader skips files it loaded before (their job IDs exist): --force only after truncating the table\n',
      stderr:
        'replay: 1 invocation(s), listed 1000, matched 990, enqueued 990, continuing…\n' +
        'replay: 2 invocation(s), listed 1020, matched 1010, enqueued 1010\n',
    });
  });

  it('reports the option the function rejected and exits 2', async () => {
    // Prepare
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: payload({
        error: 'ReplayInputError',
        field: 'from',
        message: 'from: "x" is not an ISO-8601 UTC time',
      }),
    });

    // Act
    const result = await dms2bq(
      '--source',
      'casino_a',
      '--from',
      'x',
      '--function-name',
      'replay-fn',
      '--region',
      'eu-west-1',
    );

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: 'replay rejected --from: from: "x" is not an ISO-8601 UTC time\n',
    });
  });

  it('shows the error of a failed invocation in one line and exits 1', async () => {
    // Prepare
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({
        errorType: 'ReplayEnqueueError',
        errorMessage: 'SendMessageBatch failed; … continuationToken abc',
      }),
    });

    // Act
    const result = await dms2bq(
      '--source',
      'casino_a',
      '--function-name',
      'replay-fn',
      '--region',
      'eu-west-1',
    );

    // Assess
    expect(result).toMatchObject({
      code: 1,
      stderr:
        'replay function replay-fn failed: ReplayEnqueueError: SendMessageBatch failed; … continuationToken abc\n',
    });
  });

  it('exits 2 when neither --stage, --function-name nor --local says where to run', async () => {
    // Act
    const result = await dms2bq('--source', 'casino_a');

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^pass --stage <name>, --function-name <name>/),
    });
    expect(lambdaMock.commandCalls(InvokeCommand)).toEqual([]);
  });
});

describe('dms2bq replay --local', () => {
  let aws: LocalAws;
  const bets = Array.from({ length: 40 }, (_, i) =>
    cdcKey('casino_a', 'game', 'bets', new Date(Date.UTC(2026, 2, 1, 0, 0, i))),
  );

  beforeAll(async () => {
    // Notifications off: the loader queue then holds only what the replay enqueues.
    aws = await startLocalAws({ settings: { notification: { suffix: '.no-notifications' } } });
    await putObjects(aws, [...bets, loadKey('casino_a', 'game', 'bets', 1)]);
  });

  afterAll(async () => {
    await aws?.stop();
  });

  it('runs the replay code against the local runtime and fills its loader queue', async () => {
    // Act
    const result = await dms2bq(
      '--local',
      '--endpoint',
      aws.endpoint,
      '--source',
      'casino_a',
      '--table',
      'game.bets',
      '--to',
      '2026-03-01T00:00:30Z',
    );

    // Assess
    expect(result).toMatchObject({
      code: 0,
      stdout:
        'replayed casino_a game.bets: enqueued 30 of 30 CDC file(s) (of 30 listed) in 1 invocation(s)\n' +
        '  skipped: LOAD files (the full load): pass --include-full-load to replay them too\n' +
        '  skipped: CDC files written outside --from/--to\n' +
        '  skipped: the loader skips files it loaded before (their job IDs exist): --force only after truncating the table\n',
    });
    expect(sortedKeys(await receiveReplayMessages(aws.sqs, aws.queueUrl))).toEqual(bets.slice(0, 30));
  });
});

import { randomUUID } from 'node:crypto';
import type { Callback, Context, SQSEvent, SQSHandler } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../names.js';

/** Lambda's own handler type: async `(event, context)` handlers and Powertools' handlers both fit. */
export type SqsBatchHandler = SQSHandler;

export interface FunctionIdentity {
  functionName: string;
  region: string;
  memorySizeMb: number;
  timeoutMs: number;
}

export type InvocationOutcome =
  | { kind: 'returned'; response: unknown }
  | { kind: 'threw'; error: unknown }
  | { kind: 'timed-out' };

/**
 * Runs one invocation under Lambda's rules: a `Context` whose clock runs down, and a hard timeout
 * after which the result no longer counts. Unlike Lambda we cannot freeze a timed-out handler; it
 * keeps running in the background and whatever it returns is ignored, as Lambda would have killed it.
 */
export async function invokeHandler(
  handler: SqsBatchHandler,
  event: SQSEvent,
  identity: FunctionIdentity,
): Promise<InvocationOutcome> {
  const deadline = Date.now() + identity.timeoutMs;
  let settle: Callback<unknown> = () => undefined;
  const viaCallback = new Promise<unknown>((resolve, reject) => {
    settle = (error, result) =>
      error ? reject(error instanceof Error ? error : new Error(error)) : resolve(result);
  });
  // A promise-returning handler never calls back; keep an unused rejection from crashing the process.
  viaCallback.catch(() => undefined);
  const context = lambdaContext(identity, deadline, settle);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<InvocationOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timed-out' }), identity.timeoutMs);
  });
  const run = (async (): Promise<InvocationOutcome> => {
    try {
      const returned = handler(event, context, settle);
      const response = isThenable(returned) ? await returned : await viaCallback;
      return { kind: 'returned', response };
    } catch (error) {
      return { kind: 'threw', error };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function lambdaContext(identity: FunctionIdentity, deadline: number, settle: Callback<unknown>): Context {
  const { functionName, region } = identity;
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(identity.memorySizeMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (error?: Error, result?: unknown) => settle(error, result),
    fail: (error: Error | string) => settle(error instanceof Error ? error : new Error(error)),
    succeed: (result: unknown) => settle(null, result),
  };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

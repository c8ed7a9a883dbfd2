import { interceptLocalhostDns } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReplayResult } from '../../lambdas/replay/create-handler.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import { freshQueue, ordersKeyAt, putObjects, routingFactory, SOURCE } from './support.js';

type Handler = (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<ReplayResult>;

const context = { getRemainingTimeInMillis: () => 300_000 };

let aws: LocalAws;
let queueUrl: string;
let restoreDns: () => void;

beforeAll(async () => {
  // fauxqs queue URLs live on sqs.<region>.localhost, which the module's SDK clients dial.
  restoreDns = interceptLocalhostDns();
  aws = await startLocalAws({ settings: { notification: { suffix: '.no-notifications' } } });
  await putObjects(aws, [ordersKeyAt(new Date('2026-03-02T06:00:00Z'))]);
  queueUrl = await freshQueue(aws.sqs);
});

afterAll(async () => {
  restoreDns?.();
  await aws?.stop();
});

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/**
 * The environment infra deploys the function with, minus what `without` names; each load of the
 * module is a fresh one, as in a new Lambda execution environment.
 */
async function loadHandler(without: { env?: string; routing?: boolean } = {}): Promise<Handler> {
  const env: Record<string, string> = {
    LANDING_BUCKET: aws.bucket,
    LOADER_QUEUE_URL: queueUrl,
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_REGION: aws.region,
    AWS_ACCESS_KEY_ID: aws.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: aws.credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    // With POWERTOOLS_DEV the module's logger writes through the global console, which the test reads.
    POWERTOOLS_DEV: 'true',
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, name === without.env ? '' : value);
  vi.stubGlobal('__DMS2BQ_ROUTING__', without.routing ? undefined : routingFactory());
  vi.resetModules();
  // A literal specifier: Stryker runs a test file for a mutant only when Vitest's module graph links
  // the file to the mutated module, and a specifier held in a variable leaves no such link.
  return ((await import('../../lambdas/replay/handler.js')) as { handler: Handler }).handler;
}

/**
 * The module's log lines (JSON), by console method. The SDK's own console warnings (the SQS client
 * dialling the queue URL's host) are not the module's and are left out.
 */
function captureLogs() {
  const lines: { method: string; line: Record<string, unknown> }[] = [];
  for (const method of ['debug', 'info', 'warn', 'error', 'log'] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      if (typeof line === 'string' && line.startsWith('{'))
        lines.push({ method, line: JSON.parse(line) as Record<string, unknown> });
    });
  }
  return lines;
}

describe('replay handler module: deployment errors', () => {
  it.each(['LANDING_BUCKET', 'LOADER_QUEUE_URL'])('refuses to load without %s, naming it', async (name) => {
    // Act
    const loading = loadHandler({ env: name });

    // Assess
    await expect(loading).rejects.toThrow(
      new Error(`environment variable ${name} is required by the replay function`),
    );
  });

  it('refuses to load when bundled without the routing table, saying how it is built', async () => {
    // Act
    const loading = loadHandler({ routing: true });

    // Assess
    await expect(loading).rejects.toThrow(
      new Error(
        'the replay function was bundled without __DMS2BQ_ROUTING__ (esbuild define of buildRoutingTable(mappings))',
      ),
    );
  });
});

describe('replay handler module: what an operator reads in CloudWatch', () => {
  it('logs a finished invocation once, at info, with the request and the result', async () => {
    // Prepare
    const handler = await loadHandler();
    const logs = captureLogs();
    const request = { source: SOURCE, table: 'sales.orders', from: '2026-03-02' };

    // Act
    const result = await handler(request, context);

    // Assess
    expect(result).toStrictEqual({ listed: 1, matched: 1, enqueued: 1 });
    expect(logs).toHaveLength(1);
    expect(logs[0]?.method).toBe('info');
    expect(logs[0]?.line).toMatchObject({
      level: 'INFO',
      message: 'replay invocation done',
      request,
      listed: 1,
      matched: 1,
      enqueued: 1,
    });
  });

  it('logs rejected input once, at warn, with the field and the reason', async () => {
    // Prepare
    const handler = await loadHandler();
    const logs = captureLogs();

    // Act
    const result = await handler({ source: SOURCE, table: 'sales.returns' }, context);

    // Assess
    expect(result).toMatchObject({ error: 'ReplayInputError', field: 'table' });
    const reason = (result as { message: string }).message;
    expect(reason).toMatch(/^table: "sales.returns" is not a mapped table of shop/);
    expect(logs).toHaveLength(1);
    expect(logs[0]?.method).toBe('warn');
    expect(logs[0]?.line).toMatchObject({
      level: 'WARN',
      message: 'replay input rejected',
      error: 'ReplayInputError',
      field: 'table',
      reason,
    });
    expect(logs[0]?.line).not.toHaveProperty('request');
  });
});

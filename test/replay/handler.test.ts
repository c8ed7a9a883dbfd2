import { interceptLocalhostDns } from 'fauxqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ReplayResult } from '../../lambdas/replay/create-handler.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';
import { freshQueue, ordersKeyAt, putObjects, routingFactory, SOURCE } from './support.js';

type Handler = (event: unknown, context: { getRemainingTimeInMillis(): number }) => Promise<ReplayResult>;

let aws: LocalAws;
let handler: Handler;
let restoreDns: () => void;

// The deployed module as infra builds it: env LANDING_BUCKET and LOADER_QUEUE_URL, the routing table
// as the esbuild define __DMS2BQ_ROUTING__ (a global here), SDK clients from the default chain.
beforeAll(async () => {
  // fauxqs queue URLs live on sqs.<region>.localhost, which an SDK client without an explicit
  // endpoint dials (useQueueUrlAsEndpoint), as it dials sqs.<region>.amazonaws.com in AWS.
  restoreDns = interceptLocalhostDns();
  aws = await startLocalAws({ settings: { notification: { suffix: '.no-notifications' } } });
  await putObjects(aws, [ordersKeyAt(new Date('2026-03-02T06:00:00Z'))]);
  vi.stubEnv('LANDING_BUCKET', aws.bucket);
  vi.stubEnv('LOADER_QUEUE_URL', await freshQueue(aws.sqs));
  vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint);
  vi.stubEnv('AWS_REGION', aws.region);
  vi.stubEnv('AWS_ACCESS_KEY_ID', aws.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', aws.credentials.secretAccessKey);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubGlobal('__DMS2BQ_ROUTING__', routingFactory());
  ({ handler } = (await import('../../lambdas/replay/handler.js')) as { handler: Handler });
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  restoreDns?.();
  await aws?.stop();
});

describe('replay handler module', () => {
  it('replays with the bucket, queue and routing it was deployed with', async () => {
    // Act
    const result = await handler(
      { source: SOURCE, table: 'sales.orders' },
      { getRemainingTimeInMillis: () => 300_000 },
    );

    // Assess
    expect(result).toEqual({ listed: 1, matched: 1, enqueued: 1 });
  });

  it('answers bad input with the field, not an exception', async () => {
    // Act
    const result = await handler({ source: 'unknown' }, { getRemainingTimeInMillis: () => 300_000 });

    // Assess
    expect(result).toMatchObject({ error: 'ReplayInputError', field: 'source' });
  });
});

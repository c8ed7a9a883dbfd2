import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { interceptLocalhostDns } from 'fauxqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { streamRangeMessage } from '../../lambdas/shared/messages.js';
import type { RoutingTable } from '../../lambdas/shared/routing.js';
import { lambdaContext } from './context.js';
import { tableRoute } from './current-table-helpers.js';
import { dmsParquet, routing, s3Notification, sqsRecord } from './fixtures.js';
import { cdcKeyAt, LOCATION, type LoaderHarness, PROJECT, startLoaderHarness } from './harness.js';

type Handler = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

/** `bets` streaming to a CDC table, in a dataset of its own: the view routes' `bets_current` is a view. */
const TABLES_DATASET = 'casino_a_tables';
const tableRouting: RoutingTable = { 'casino_a/game/bets': { ...tableRoute, dataset: TABLES_DATASET } };

/** More than the deployed default of 30 s a file needs to start, plus the 3 s kept back. */
const TIME_ENOUGH = 120_000;

interface Bundle {
  /** An environment variable left empty, as if the deployment did not set it. */
  without?: string;
  env?: Record<string, string>;
  routing?: RoutingTable | undefined;
  currentTables?: boolean | undefined;
}

describe('loader handler module', { timeout: 60_000 }, () => {
  let harness: LoaderHarness;
  let restoreDns: () => void;

  beforeAll(async () => {
    // fauxqs queue URLs live on sqs.<region>.localhost, which the module's SDK clients dial.
    restoreDns = interceptLocalhostDns();
    harness = await startLoaderHarness({ currentTables: true });
    await harness.bigquery.createDataset(TABLES_DATASET, { location: LOCATION });
    for (const n of [1, 2, 3, 4]) await harness.put(cdcKeyAt(n), dmsParquet({ rows: 5 }));
  });

  afterAll(async () => {
    restoreDns?.();
    await harness?.stop();
  });

  afterEach(() => {
    harness.emulator.faults.reset();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  /**
   * The module as the deployment builds and configures it (credentials mode `none` against the
   * emulator), loaded afresh as in a new execution environment.
   */
  async function loadHandler(bundle: Bundle = {}): Promise<Handler> {
    const env: Record<string, string> = {
      GCP_PROJECT_ID: PROJECT,
      BIGQUERY_LOCATION: LOCATION,
      GCP_CREDENTIALS_MODE: 'none',
      BIGQUERY_API_ENDPOINT: harness.emulator.url,
      AWS_ENDPOINT_URL: harness.aws.endpoint,
      AWS_REGION: harness.aws.region,
      AWS_ACCESS_KEY_ID: harness.aws.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: harness.aws.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      FILE_CONCURRENCY: '',
      LOADER_QUEUE_URL: '',
      BIGQUERY_STORAGE_WRITE_ENDPOINT: '',
      ...bundle.env,
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, name === bundle.without ? '' : value);
    // FILE_CONCURRENCY and the optional endpoints unset, not empty: the module reads `?? 4`.
    for (const [name, value] of Object.entries(env)) if (value === '') delete process.env[name];
    vi.stubGlobal('__DMS2BQ_ROUTING__', 'routing' in bundle ? bundle.routing : routing);
    vi.stubGlobal('__DMS2BQ_CURRENT_TABLES__', 'currentTables' in bundle ? bundle.currentTables : false);
    vi.resetModules();
    // A literal specifier: Stryker runs a test file for a mutant only when Vitest's module graph links
    // the file to the mutated module, and a specifier held in a variable leaves no such link.
    return ((await import('../../lambdas/loader/handler.js')) as { handler: Handler }).handler;
  }

  const notified = (key: string) => ({ Records: [sqsRecord(s3Notification(harness.aws.bucket, key))] });

  describe('deployment errors', () => {
    it.each(['GCP_PROJECT_ID', 'BIGQUERY_LOCATION'])(
      'refuses to load without %s, naming it',
      async (name) => {
        // Act
        const loading = loadHandler({ without: name });

        // Assess
        await expect(loading).rejects.toThrow(
          new Error(`environment variable ${name} is required by the loader`),
        );
      },
    );

    it('refuses to load when bundled without the routing table, saying how it is built', async () => {
      // Act
      const loading = loadHandler({ routing: undefined });

      // Assess
      await expect(loading).rejects.toThrow(
        new Error(
          'the loader was bundled without __DMS2BQ_ROUTING__ (esbuild define of buildRoutingTable(mappings))',
        ),
      );
    });

    it('refuses to load when bundled without saying whether routes stream to CDC tables', async () => {
      // Act
      const loading = loadHandler({ currentTables: undefined });

      // Assess
      await expect(loading).rejects.toThrow(
        new Error('the loader was bundled without __DMS2BQ_CURRENT_TABLES__ (esbuild define, true or false)'),
      );
    });

    it.each(['0', '-1', '2.5', 'four'])('refuses a FILE_CONCURRENCY of "%s", naming it', async (value) => {
      // Act
      const loading = loadHandler({ env: { FILE_CONCURRENCY: value } });

      // Assess
      await expect(loading).rejects.toThrow(
        new Error(`environment variable FILE_CONCURRENCY must be a positive integer, got "${value}"`),
      );
    });
  });

  describe('as deployed', () => {
    it('loads a notified file into BigQuery at BIGQUERY_API_ENDPOINT, with FILE_CONCURRENCY unset', async () => {
      // Prepare
      const handler = await loadHandler();

      // Act
      const response = await handler(notified(cdcKeyAt(1)), lambdaContext(TIME_ENOUGH));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(await harness.rowCount()).toBe(5);
    });

    it('accepts a FILE_CONCURRENCY of 1', async () => {
      // Act
      const handler = await loadHandler({ env: { FILE_CONCURRENCY: '1' } });

      // Assess
      expect(typeof handler).toBe('function');
    });

    it('sends a range short of time to LOADER_QUEUE_URL', async () => {
      // Prepare
      const { QueueUrl } = await harness.aws.sqs.send(
        new CreateQueueCommand({ QueueName: `loader-${Math.random().toString(36).slice(2, 8)}` }),
      );
      const handler = await loadHandler({ env: { LOADER_QUEUE_URL: QueueUrl ?? '' } });
      const range = streamRangeMessage({
        bucket: harness.aws.bucket,
        key: cdcKeyAt(2),
        etag: 'abc123',
        rowGroups: { start: 0, end: 1 },
      });

      // Act: 10 s left is less than the 30 s a file needs to start.
      const response = await handler({ Records: [sqsRecord(JSON.stringify(range))] }, lambdaContext(10_000));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const { Messages = [] } = await harness.aws.sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      expect(Messages.map((message) => JSON.parse(message.Body ?? ''))).toEqual([range]);
    });

    it('leaves retries of BigQuery requests to the loader: an error it does not retry fails the file at once', async () => {
      // Prepare: the client's own retry would repeat a 403 userRateLimitExceeded; the loader's does not.
      const handler = await loadHandler();
      harness.emulator.faults.failNext({ status: 403, reason: 'userRateLimitExceeded' });

      // Act
      const response = await handler(notified(cdcKeyAt(3)), lambdaContext(TIME_ENOUGH));

      // Assess
      expect(harness.emulator.faults.injected).toBe(1);
      expect(response.batchItemFailures).toHaveLength(1);
    });

    it('streams a table route to its CDC table through BIGQUERY_STORAGE_WRITE_ENDPOINT', async () => {
      // Prepare
      const storageWrite = harness.emulator.storageWrite;
      if (!storageWrite) throw new Error('the emulator was started without its Storage Write API');
      const handler = await loadHandler({
        routing: tableRouting,
        currentTables: true,
        env: { BIGQUERY_STORAGE_WRITE_ENDPOINT: `${storageWrite.host}:${storageWrite.port}` },
      });

      // Act
      const response = await handler(notified(cdcKeyAt(4)), lambdaContext(TIME_ENOUGH));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const rows = await harness.emulator.query(
        `SELECT count(*)::INTEGER AS n FROM "${TABLES_DATASET}".bets_current`,
      );
      expect(rows).toEqual([{ n: 5 }]);
    });
  });
});

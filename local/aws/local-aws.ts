import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { type NotifierOptions, validateNotifierOptions } from './delivery-plan.js';
import { type FauxqsApp, objectSize, sendMessageBatch, serveOversizedSuffixRanges } from './fauxqs-app.js';
import { LOCAL_BUCKET_OWNER_ID, LOCAL_CREDENTIALS, localNames } from './names.js';
import { S3Notifier } from './notifier.js';
import { ObjectCreatedObserver } from './object-created.js';
import type { ObjectCreated } from './s3-event.js';
import {
  deadLetterQueueAttributes,
  type LocalPipelineSettings,
  type LocalSettingsOverrides,
  loaderQueueAttributes,
  resolveLocalSettings,
} from './settings.js';

export interface LocalAwsOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  region?: string;
  settings?: LocalSettingsOverrides;
  notifier?: NotifierOptions;
}

/** What to pass to `new S3Client(...)` / `new SQSClient(...)` anywhere else to reach the local stand-ins. */
export interface LocalClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: true;
}

export interface LocalAws {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  clientConfig: LocalClientConfig;
  s3: S3Client;
  sqs: SQSClient;
  bucket: string;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  settings: LocalPipelineSettings;
  /** Resolves once every notification for objects created so far sits in the loader queue. */
  notificationsDrained(): Promise<void>;
  /** Notification messages put into the loader queue so far: duplicates and the test event included. */
  notificationsSent(): number;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs in-process with the landing bucket, the loader queue and its DLQ, plus the S3 → SQS
 * notification. fauxqs has no notifications, so we build its Fastify app ourselves (`buildApp` is
 * its public entry point; `startFauxqs` listens before anyone could add a hook) and watch each S3
 * response in an `onSend` hook. Chosen over a reverse proxy: no second hop for every S3/SQS request,
 * no HTTP parsing of our own, and the hook runs before the client sees the response, so a caller
 * that awaited its PutObject can rely on `notificationsDrained()` covering it.
 */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const region = options.region ?? 'us-east-1';
  const settings = resolveLocalSettings(options.settings);
  validateNotifierOptions(options.notifier ?? {});
  const app = buildApp({ logger: false, defaultRegion: region });
  serveOversizedSuffixRanges(app);
  let notifier: S3Notifier | undefined;
  observeObjectCreations(
    app,
    (bucket, key) => notifier?.matches(bucket, key) ?? false,
    (created) => notifier?.objectCreated(created),
  );
  const endpoint = await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const credentials = { ...LOCAL_CREDENTIALS };
  const clientConfig: LocalClientConfig = { endpoint, region, credentials, forcePathStyle: true };
  const s3 = new S3Client(clientConfig);
  const sqs = new SQSClient(clientConfig);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: localNames.landingBucket }));
    const dlq = await createQueue(sqs, localNames.deadLetterQueue, deadLetterQueueAttributes(settings));
    const queue = await createQueue(sqs, localNames.loaderQueue, loaderQueueAttributes(settings, dlq.arn));
    notifier = new S3Notifier({
      sendBatch: (bodies) => sendMessageBatch(app, queue.url, bodies),
      bucket: localNames.landingBucket,
      suffix: settings.notification.suffix,
      context: {
        region,
        configurationId: localNames.notificationConfigurationId,
        bucketOwnerId: LOCAL_BUCKET_OWNER_ID,
      },
      ...(options.notifier ? { options: options.notifier } : {}),
    });
    await notifier.start();
    const started = notifier;
    return {
      endpoint,
      region,
      credentials,
      clientConfig,
      s3,
      sqs,
      bucket: localNames.landingBucket,
      queueUrl: queue.url,
      queueArn: queue.arn,
      dlqUrl: dlq.url,
      dlqArn: dlq.arn,
      settings,
      notificationsDrained: () => started.drained(),
      notificationsSent: () => started.sentCount,
      stop: async () => {
        await started.drained().catch(() => undefined);
        await closeAll(app, s3, sqs);
      },
    };
  } catch (error) {
    await closeAll(app, s3, sqs);
    throw error;
  }
}

type Created = ReturnType<ObjectCreatedObserver['observe']>;

function observeObjectCreations(
  app: FauxqsApp,
  wanted: (bucket: string, key: string) => boolean,
  onCreated: (created: ObjectCreated | Promise<ObjectCreated>) => void,
): void {
  const observer = new ObjectCreatedObserver();
  app.addHook('onSend', async (request, reply, payload) => {
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    const created: Created = observer.observe({
      method: request.method,
      route: request.routeOptions.url,
      bucket: params.bucket,
      key: params['*'],
      query: (request.query ?? {}) as Record<string, string | undefined>,
      headers: request.headers,
      requestBody: request.body,
      statusCode: reply.statusCode,
      responseHeaders: reply.getHeaders(),
      responsePayload: payload,
      sourceIp: request.ip,
    });
    if (created && wanted(created.bucket, created.key)) {
      const { size } = created;
      onCreated(size === undefined ? withHeadSize(app, created) : { ...created, size });
    }
    return payload;
  });
}

/** CopyObject responses carry no size: ask fauxqs itself, in-process, for the new object's length. */
async function withHeadSize(app: FauxqsApp, created: NonNullable<Created>): Promise<ObjectCreated> {
  return { ...created, size: (await objectSize(app, created.bucket, created.key)) ?? 0 };
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  if (!url || !Attributes?.QueueArn)
    throw new Error(`fauxqs did not return the URL and ARN of queue ${name}`);
  return { url, arn: Attributes.QueueArn };
}

async function closeAll(app: FauxqsApp, s3: S3Client, sqs: SQSClient): Promise<void> {
  await app.close();
  s3.destroy();
  sqs.destroy();
}

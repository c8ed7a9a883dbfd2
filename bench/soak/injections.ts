import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createReplayHandler } from '../../lambdas/replay/create-handler.js';
import type { ReplayRequest } from '../../lambdas/replay/request.js';
import { parseLoaderMessage } from '../../lambdas/shared/messages.js';
import { localNames } from '../../local/aws/index.js';
import { LOCAL_BUCKET_OWNER_ID } from '../../local/aws/names.js';
import { objectCreatedNotification, Sequencer } from '../../local/aws/s3-event.js';
import type { LocalPipeline } from '../../local/pipeline/local-pipeline.js';

const sequencer = new Sequencer();

/**
 * The S3 notification of an object already in the bucket, as S3 sends it: what a late duplicate
 * delivery carries, and what a message parked in the DLQ holds.
 */
export async function notificationOf(pipeline: LocalPipeline, key: string): Promise<string> {
  const { aws } = pipeline;
  const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: key }));
  const body = objectCreatedNotification(
    {
      eventName: 'ObjectCreated:Put',
      bucket: aws.bucket,
      key,
      size: head.ContentLength ?? 0,
      etag: head.ETag ?? '',
      time: head.LastModified ?? new Date(),
      sourceIp: '10.0.0.1',
      principalId: 'AWS:DMS-SOAK',
      requestId: 'SOAKREQUEST',
      hostId: 'soak-host',
    },
    sequencer.next(),
    {
      region: aws.region,
      configurationId: localNames.notificationConfigurationId,
      bucketOwnerId: LOCAL_BUCKET_OWNER_ID,
    },
  );
  return JSON.stringify(body);
}

/** S3's at-least-once delivery, days late: the file's notification once more on the loader queue. */
export async function deliverAgain(pipeline: LocalPipeline, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    const body = await notificationOf(pipeline, key);
    await pipeline.aws.sqs.send(
      new SendMessageCommand({ QueueUrl: pipeline.aws.queueUrl, MessageBody: body }),
    );
  }
}

/** Messages of these files parked in the DLQ, as five failed receives would have left them. */
export async function parkInDlq(pipeline: LocalPipeline, keys: readonly string[]): Promise<void> {
  for (const key of keys) {
    const body = await notificationOf(pipeline, key);
    await pipeline.aws.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.aws.dlqUrl, MessageBody: body }));
  }
}

/**
 * What `aws sqs start-message-move-task` does (fauxqs has no move task): every DLQ message back
 * on the loader queue, body unchanged, then removed from the DLQ. Returns the files they named.
 */
export async function redriveDlq(pipeline: LocalPipeline): Promise<string[]> {
  const { sqs, dlqUrl, queueUrl } = pipeline.aws;
  const moved: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return moved;
    for (const message of Messages) {
      const body = message.Body ?? '';
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle }));
      moved.push(...filesNamed(body));
    }
  }
}

/** The file keys a loader-queue body names; other bodies by a short description. */
export function filesNamed(body: string): string[] {
  try {
    const parsed = parseLoaderMessage(body);
    return parsed.kind === 'files' ? parsed.files.map((file) => file.key) : [`(${parsed.kind})`];
  } catch {
    return [`(unparsed message: ${body.slice(0, 80)})`];
  }
}

/** `dms2bq replay`, through the replay function's own handler, following continuation tokens. */
export async function replay(pipeline: LocalPipeline, request: ReplayRequest): Promise<number> {
  const handler = createReplayHandler({
    s3: pipeline.aws.s3,
    sqs: pipeline.aws.sqs,
    bucket: pipeline.aws.bucket,
    queueUrl: pipeline.aws.queueUrl,
    routing: pipeline.routing,
  });
  const endless = { getRemainingTimeInMillis: () => 900_000 };
  let enqueued = 0;
  let token: string | undefined;
  do {
    const result = await handler({ ...request, ...(token ? { continuationToken: token } : {}) }, endless);
    if ('error' in result) throw new Error(`replay ${JSON.stringify(request)}: ${result.message}`);
    enqueued += result.enqueued;
    token = result.continuationToken;
  } while (token);
  return enqueued;
}

import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { pipelineSettings } from '../../lambdas/shared/pipeline-settings.js';
import { type LocalAws, type LocalAwsOptions, startLocalAws } from '../../local/aws/index.js';

const started: LocalAws[] = [];

async function localAws(options?: LocalAwsOptions): Promise<LocalAws> {
  const local = await startLocalAws(options);
  started.push(local);
  return local;
}

async function queueAttributes(local: LocalAws, queueUrl: string): Promise<Record<string, string>> {
  const { Attributes = {} } = await local.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
  );
  return Attributes;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((local) => local.stop()));
});

describe('resources created from the shared pipeline settings', () => {
  it('gives the loader queue the deployed visibility timeout, retention and redrive policy', async () => {
    // Prepare
    const { loaderQueue } = pipelineSettings;

    // Act
    const local = await localAws();

    // Assess
    const attributes = await queueAttributes(local, local.queueUrl);
    expect(attributes.VisibilityTimeout).toBe(String(loaderQueue.visibilityTimeoutSeconds));
    expect(attributes.MessageRetentionPeriod).toBe(String(loaderQueue.retentionDays * 86_400));
    expect(JSON.parse(attributes.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: local.dlqArn,
      maxReceiveCount: loaderQueue.maxReceiveCount,
    });
  });

  it('gives the dead-letter queue the deployed retention', async () => {
    // Prepare
    const { deadLetterQueue } = pipelineSettings;

    // Act
    const local = await localAws();

    // Assess
    const attributes = await queueAttributes(local, local.dlqUrl);
    expect(attributes.MessageRetentionPeriod).toBe(String(deadLetterQueue.retentionDays * 86_400));
  });

  it('applies a local override and keeps every other deployed value', async () => {
    // Prepare
    const settings = { loaderQueue: { visibilityTimeoutSeconds: 2 } };

    // Act
    const local = await localAws({ settings });

    // Assess
    const attributes = await queueAttributes(local, local.queueUrl);
    expect(attributes.VisibilityTimeout).toBe('2');
    expect(JSON.parse(attributes.RedrivePolicy ?? '{}').maxReceiveCount).toBe(
      pipelineSettings.loaderQueue.maxReceiveCount,
    );
  });

  it('starts each instance on its own free port', async () => {
    // Prepare
    const first = await localAws();

    // Act
    const second = await localAws();

    // Assess
    expect(second.endpoint).not.toBe(first.endpoint);
  });

  it('refuses notifier options S3 could never produce, naming the option', async () => {
    // Prepare
    const options = { notifier: { deliveries: 0 } };

    // Act
    const starting = startLocalAws(options);

    // Assess
    await expect(starting).rejects.toThrow(/notifier\.deliveries/);
  });
});

describe('S3 reads the loader relies on', () => {
  it('serves a ranged GET of the last bytes of an object, sized by HeadObject', async () => {
    // Prepare: the loader reads a Parquet footer as the last 8 bytes, then the footer itself.
    const local = await localAws();
    const body = Buffer.concat([
      Buffer.from('PAR1'),
      Buffer.alloc(100, 9),
      Buffer.from([42, 0, 0, 0]),
      Buffer.from('PAR1'),
    ]);
    await local.s3.send(new PutObjectCommand({ Bucket: local.bucket, Key: 'src/t/f.parquet', Body: body }));
    const { ContentLength = 0 } = await local.s3.send(
      new HeadObjectCommand({ Bucket: local.bucket, Key: 'src/t/f.parquet' }),
    );

    // Act
    const tail = await local.s3.send(
      new GetObjectCommand({
        Bucket: local.bucket,
        Key: 'src/t/f.parquet',
        Range: `bytes=${ContentLength - 8}-${ContentLength - 1}`,
      }),
    );

    // Assess
    expect(ContentLength).toBe(body.length);
    expect(tail.ContentRange).toBe(`bytes ${body.length - 8}-${body.length - 1}/${body.length}`);
    expect(Buffer.from((await tail.Body?.transformToByteArray()) ?? [])).toEqual(body.subarray(-8));
  });
});

describe('suffix ranges longer than the object', () => {
  it('return the whole object, as S3 does (fauxqs alone answers 416)', async () => {
    // Prepare
    const local = await localAws();
    await local.s3.send(
      new PutObjectCommand({ Bucket: local.bucket, Key: 'src/t/small.parquet', Body: 'tiny' }),
    );

    // Act
    const read = await local.s3.send(
      new GetObjectCommand({ Bucket: local.bucket, Key: 'src/t/small.parquet', Range: 'bytes=-65536' }),
    );

    // Assess
    expect(read.ContentRange).toBe('bytes 0-3/4');
    expect(await read.Body?.transformToString()).toBe('tiny');
  });
});

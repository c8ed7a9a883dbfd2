import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParquetFooterError } from '../../lambdas/shared/parquet/footer.js';
import { readS3Tail } from '../../lambdas/shared/parquet/s3-range-reader.js';
import { type LocalAws, startLocalAws } from '../../local/aws/index.js';

describe('readS3Tail', () => {
  let aws: LocalAws;
  const put = async (key: string, body: Uint8Array) => {
    await aws.s3.send(new PutObjectCommand({ Bucket: aws.bucket, Key: key, Body: body }));
  };

  beforeAll(async () => {
    aws = await startLocalAws({ notifier: { testEvent: false } });
  });

  afterAll(async () => {
    await aws.stop();
  });

  it('returns the last bytes with the size and ETag HeadObject would give', async () => {
    // Prepare
    const body = new Uint8Array(1000).map((_, i) => i % 251);
    await put('t/a.parquet', body);
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: 't/a.parquet' }));

    // Act
    const tail = await readS3Tail(aws.s3, aws.bucket, 't/a.parquet', 100);

    // Assess
    expect(tail.bytes).toEqual(body.slice(900));
    expect(tail.size).toBe(1000);
    expect(`"${tail.etag}"`).toBe(head.ETag);
  });

  it('returns the whole object when it is shorter than the tail asked for', async () => {
    // Prepare
    const body = new Uint8Array([1, 2, 3, 4, 5]);
    await put('t/b.parquet', body);

    // Act
    const tail = await readS3Tail(aws.s3, aws.bucket, 't/b.parquet', 100);

    // Assess
    expect(tail.bytes).toEqual(body);
    expect(tail.size).toBe(5);
  });

  it('reports an empty object as not Parquet', async () => {
    // Prepare
    await put('t/empty.parquet', new Uint8Array());

    // Act
    const reading = readS3Tail(aws.s3, aws.bucket, 't/empty.parquet');

    // Assess
    await expect(reading).rejects.toBeInstanceOf(ParquetFooterError);
  });
});

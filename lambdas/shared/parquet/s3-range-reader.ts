import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RangeReader } from './footer.js';

export interface S3ObjectVersion {
  bucket: string;
  key: string;
  /** With an ETag every range comes from that exact content, even if the key is overwritten meanwhile. */
  etag?: string;
}

/** Ranged GETs of one S3 object, for reading a Parquet footer without downloading the file. */
export function s3RangeReader(s3: S3Client, object: S3ObjectVersion): RangeReader {
  return async (start, end) => {
    const response = await s3.send(
      new GetObjectCommand({
        Bucket: object.bucket,
        Key: object.key,
        Range: `bytes=${start}-${end - 1}`,
        ...(object.etag ? { IfMatch: `"${object.etag}"` } : {}),
      }),
    );
    if (!response.Body) throw new Error(`s3://${object.bucket}/${object.key}: empty GetObject body`);
    return response.Body.transformToByteArray();
  };
}

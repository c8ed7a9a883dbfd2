import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { stripQuotes } from '../messages.js';
import { INITIAL_FOOTER_FETCH, ParquetFooterError, type RangeReader } from './footer.js';

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

export interface S3Tail {
  bytes: Uint8Array;
  /** Size of the whole object, from Content-Range. */
  size: number;
  /** ETag without quotes: the content every later read and the job ID refer to. */
  etag: string;
  /** When S3 stored this version (Last-Modified): when DMS wrote the file, unless it was copied. */
  lastModified?: Date;
}

/**
 * The object's last `length` bytes with one suffix-range GET, which also reports the object's size
 * and ETag: the work of a HeadObject and the first footer read in one round trip.
 */
export async function readS3Tail(
  s3: S3Client,
  bucket: string,
  key: string,
  length = INITIAL_FOOTER_FETCH,
): Promise<S3Tail> {
  let response: GetObjectCommandOutput;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=-${length}` }));
  } catch (error) {
    // S3 refuses any range of an empty object.
    if ((error as Error).name === 'InvalidRange') throw new ParquetFooterError('file is empty');
    throw error;
  }
  const { ContentRange, ContentLength, ETag, LastModified } = response;
  const bytes = (await response.Body?.transformToByteArray()) ?? new Uint8Array();
  const total = ContentRange ? Number(ContentRange.split('/')[1]) : (ContentLength ?? bytes.byteLength);
  if (!Number.isSafeInteger(total))
    throw new Error(`s3://${bucket}/${key}: unexpected Content-Range ${ContentRange}`);
  return {
    bytes,
    size: total,
    etag: stripQuotes(ETag ?? ''),
    ...(LastModified === undefined ? {} : { lastModified: LastModified }),
  };
}

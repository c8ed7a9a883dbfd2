import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Where simulated DMS files go: a key (`<source>/<schema>/<table>/…parquet`) and its bytes. */
export interface FileSink {
  write(key: string, bytes: Uint8Array): Promise<void>;
}

/** Writes each key as a file below `dir`, creating folders as needed. */
export function directorySink(dir: string): FileSink {
  return {
    async write(key, bytes) {
      const path = join(dir, ...key.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, bytes);
    },
  };
}

/** PUTs each key into `bucket` (one PutObject per file, as DMS does). */
export function s3Sink(s3: S3Client, bucket: string): FileSink {
  return {
    async write(key, bytes) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    },
  };
}

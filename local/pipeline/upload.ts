import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Every file below `dir`, as S3 keys relative to it (`<source>/<schema>/<table>/…`). */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** Uploads a folder laid out as in S3; the notifier announces the `.parquet` ones, as S3 would. */
export async function uploadTree(
  s3: S3Client,
  bucket: string,
  dir: string,
  keys: readonly string[],
): Promise<void> {
  for (const key of keys) {
    const path = join(dir, ...key.split('/'));
    const { size } = await stat(path);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: size }),
    );
  }
}

import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { parseDmsKey, routeKey } from '../../../lambdas/shared/dms/keys.js';

export interface LandedFile {
  key: string;
  /** CDC: the write time in the file name; full load: the object's LastModified. */
  time: Date;
}

interface Level {
  folders: string[];
  files: { key: string; lastModified?: Date }[];
}

/** One folder level (Delimiter `/`), every page. */
async function listLevel(s3: S3Client, bucket: string, prefix: string): Promise<Level> {
  const level: Level = { folders: [], files: [] };
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        Delimiter: '/',
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const folder of page.CommonPrefixes ?? []) if (folder.Prefix) level.folders.push(folder.Prefix);
    for (const object of page.Contents ?? []) {
      if (object.Key?.endsWith('.parquet'))
        level.files.push({
          key: object.Key,
          ...(object.LastModified ? { lastModified: object.LastModified } : {}),
        });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return level;
}

const newestFolder = (folders: string[]): string | undefined =>
  folders
    .filter((folder) => /\/\d+\/$/.test(folder))
    .sort()
    .at(-1);

/**
 * The newest file DMS landed for a table. CDC files sit in `yyyy/mm/dd/` folders and are named by
 * their write time, so the newest is the greatest key of the newest day: four small listings, not
 * a listing of every file. A table with full-load files only answers with its newest LOAD file.
 */
export async function newestLanded(
  s3: S3Client,
  bucket: string,
  route: { source: string; schema: string; table: string },
): Promise<LandedFile | undefined> {
  const root = await listLevel(s3, bucket, `${routeKey(route.source, route.schema, route.table)}/`);
  let prefix = newestFolder(root.folders);
  for (let depth = 0; prefix && depth < 2; depth++) {
    prefix = newestFolder((await listLevel(s3, bucket, prefix)).folders);
  }
  if (prefix) {
    const day = await listLevel(s3, bucket, prefix);
    const key = day.files
      .map((file) => file.key)
      .sort()
      .at(-1);
    const time = key ? parseDmsKey(key).fileTime : undefined;
    if (key && time) return { key, time };
  }
  const load = root.files
    .filter((file) => file.lastModified)
    .sort((a, b) => (a.lastModified?.getTime() ?? 0) - (b.lastModified?.getTime() ?? 0))
    .at(-1);
  return load?.lastModified ? { key: load.key, time: load.lastModified } : undefined;
}

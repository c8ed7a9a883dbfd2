import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Segment } from './segments.js';

export interface ListedObject {
  key: string;
  etag?: string;
}

export interface ListPage {
  objects: ListedObject[];
  /** Absent on the last page. */
  nextToken?: string;
}

export interface ListRequest {
  prefix: string;
  startAfter?: string;
  continuationToken?: string;
}

/** One ListObjectsV2 page at a time: the S3 adapter in the Lambda, a generated source in the benchmark. */
export interface ObjectLister {
  listPage(request: ListRequest): Promise<ListPage>;
}

export class S3ObjectLister implements ObjectLister {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly pageSize = 1000,
  ) {}

  async listPage(request: ListRequest): Promise<ListPage> {
    const response = await this.s3.send(
      new ListObjectsV2Command({
        Bucket: this.bucket,
        Prefix: request.prefix,
        MaxKeys: this.pageSize,
        ...(request.continuationToken
          ? { ContinuationToken: request.continuationToken }
          : request.startAfter
            ? { StartAfter: request.startAfter }
            : {}),
      }),
    );
    const objects: ListedObject[] = [];
    for (const object of response.Contents ?? []) {
      if (object.Key)
        objects.push(object.ETag ? { key: object.Key, etag: object.ETag } : { key: object.Key });
    }
    const next = response.IsTruncated ? response.NextContinuationToken : undefined;
    return next ? { objects, nextToken: next } : { objects };
  }
}

/**
 * The keys of `segment` after `startAfter`, page by page as S3 returns them. The next page is
 * requested while the caller works on the current one, so at most two pages are in memory whatever
 * the size of the range; listing stops at the first key past the segment's upper bound.
 */
export async function* listSegment(
  lister: ObjectLister,
  segment: Segment,
  startAfter: string | undefined,
): AsyncGenerator<ListedObject[]> {
  let next: Promise<ListPage> | undefined = prefetch(
    lister.listPage({ prefix: segment.prefix, ...(startAfter === undefined ? {} : { startAfter }) }),
  );
  while (next) {
    const page: ListPage = await next;
    const end = segment.endBefore;
    const cut = end === undefined ? -1 : page.objects.findIndex((object) => object.key >= end);
    const objects = cut === -1 ? page.objects : page.objects.slice(0, cut);
    next =
      cut === -1 && page.nextToken
        ? prefetch(lister.listPage({ prefix: segment.prefix, continuationToken: page.nextToken }))
        : undefined;
    if (objects.length > 0) yield objects;
  }
}

/** A caller that stops early abandons the prefetched page; its failure must not crash the process. */
function prefetch(page: Promise<ListPage>): Promise<ListPage> {
  page.catch(() => undefined);
  return page;
}

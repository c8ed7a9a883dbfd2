import type { buildApp } from 'fauxqs';

export type FauxqsApp = ReturnType<typeof buildApp>;

/** HEAD of one object, answered by fauxqs in-process (no socket): its size, or undefined if absent. */
export async function objectSize(app: FauxqsApp, bucket: string, key: string): Promise<number | undefined> {
  const path = key.split('/').map(encodeURIComponent).join('/');
  const head = await app.inject({ method: 'HEAD', url: `/${encodeURIComponent(bucket)}/${path}` });
  return head.statusCode === 200 ? Number(head.headers['content-length']) : undefined;
}

/**
 * fauxqs 1.9.2 answers `Range: bytes=-N` with 416 when N exceeds the object's size; S3 follows RFC 9110
 * and returns the whole object. A speculative footer read (`bytes=-65536`) of a small Parquet file
 * would fail only locally, so such ranges are widened to `bytes=0-` before fauxqs sees them.
 */
export function serveOversizedSuffixRanges(app: FauxqsApp): void {
  app.addHook('preHandler', async (request) => {
    const range = request.headers.range;
    const suffix = typeof range === 'string' ? /^bytes=-(\d+)$/.exec(range.trim()) : null;
    if (request.method !== 'GET' || request.routeOptions.url !== '/:bucket/*' || !suffix) return;
    const params = request.params as Record<string, string | undefined>;
    if (!params.bucket || !params['*']) return;
    const size = await objectSize(app, params.bucket, params['*']);
    if (size !== undefined && size > 0 && Number(suffix[1]) > size) request.raw.headers.range = 'bytes=0-';
  });
}

/**
 * SendMessageBatch straight into fauxqs' router (AWS JSON protocol, no socket, no SDK middleware):
 * this is S3's internal delivery, not a client path under test, and it is ~4× cheaper than an SDK
 * call, which matters because every upload in a local run triggers one.
 */
export async function sendMessageBatch(
  app: FauxqsApp,
  queueUrl: string,
  bodies: readonly string[],
): Promise<void> {
  const response = await app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessageBatch' },
    payload: JSON.stringify({
      QueueUrl: queueUrl,
      Entries: bodies.map((MessageBody, index) => ({ Id: String(index), MessageBody })),
    }),
  });
  const result = response.json() as { Failed?: unknown[] };
  if (response.statusCode !== 200 || (result.Failed?.length ?? 0) > 0) {
    throw new Error(`fauxqs refused a notification batch (${response.statusCode}): ${response.body}`);
  }
}

import type { ObjectCreated, ObjectCreatedEventName } from './s3-event.js';

/** The parts of one finished S3 request the observer needs, independent of the HTTP framework. */
export interface S3Exchange {
  method: string;
  /** Route pattern that matched, e.g. `/:bucket/*` (object-level) or `/:bucket`. */
  route: string | undefined;
  bucket: string | undefined;
  /** The decoded key (empty for bucket-level requests). */
  key: string | undefined;
  query: Record<string, string | undefined>;
  headers: Record<string, string | string[] | undefined>;
  requestBody: unknown;
  statusCode: number;
  responseHeaders: Record<string, unknown>;
  responsePayload: unknown;
  sourceIp: string;
}

type Created = Omit<ObjectCreated, 'size'> & { size: number | undefined };

/**
 * Recognises successful object creations (PutObject, CopyObject, CompleteMultipartUpload) from the
 * S3 requests fauxqs served, whichever client sent them. It remembers part sizes of open multipart
 * uploads, because neither the completion request nor its response says how big the object is.
 */
export class ObjectCreatedObserver {
  readonly #partSizes = new Map<string, Map<number, number>>();

  /** Returns the created object, `size` undefined when only a HEAD can tell (CopyObject). */
  observe(exchange: S3Exchange): Created | undefined {
    const { method, bucket, key, query } = exchange;
    if (exchange.route !== '/:bucket/*' || !bucket || !key) return undefined;
    if (exchange.statusCode < 200 || exchange.statusCode >= 300) return undefined;
    const uploadId = query.uploadId;
    if (method === 'PUT' && uploadId && query.partNumber) {
      this.#recordPart(uploadId, Number(query.partNumber), exchange);
      return undefined;
    }
    if (method === 'DELETE' && uploadId) {
      this.#partSizes.delete(uploadId);
      return undefined;
    }
    if (method === 'PUT' && header(exchange, 'x-amz-copy-source')) {
      return created(exchange, 'ObjectCreated:Copy', xmlEtag(exchange.responsePayload), undefined);
    }
    if (method === 'PUT') {
      const etag = String(exchange.responseHeaders.etag ?? '');
      return created(exchange, 'ObjectCreated:Put', etag, decodedLength(exchange));
    }
    if (method === 'POST' && uploadId) {
      const size = this.#completedSize(uploadId, bodyText(exchange.requestBody));
      this.#partSizes.delete(uploadId);
      return created(
        exchange,
        'ObjectCreated:CompleteMultipartUpload',
        xmlEtag(exchange.responsePayload),
        size,
      );
    }
    return undefined;
  }

  #recordPart(uploadId: string, partNumber: number, exchange: S3Exchange): void {
    const parts = this.#partSizes.get(uploadId) ?? new Map<number, number>();
    parts.set(partNumber, decodedLength(exchange));
    this.#partSizes.set(uploadId, parts);
  }

  #completedSize(uploadId: string, completionXml: string): number | undefined {
    const parts = this.#partSizes.get(uploadId);
    if (!parts) return undefined;
    let size = 0;
    for (const match of completionXml.matchAll(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/g)) {
      const partSize = parts.get(Number(match[1]));
      if (partSize === undefined) return undefined;
      size += partSize;
    }
    return size;
  }
}

function created(
  exchange: S3Exchange,
  eventName: ObjectCreatedEventName,
  etag: string,
  size: number | undefined,
): Created {
  return {
    eventName,
    bucket: exchange.bucket ?? '',
    key: exchange.key ?? '',
    size,
    etag: etag.replaceAll('"', ''),
    time: new Date(),
    sourceIp: exchange.sourceIp,
    principalId: principalOf(exchange),
    requestId: String(exchange.responseHeaders['x-amz-request-id'] ?? ''),
    hostId: String(exchange.responseHeaders['x-amz-id-2'] ?? ''),
  };
}

function header(exchange: S3Exchange, name: string): string | undefined {
  const value = exchange.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** SigV4 names the access key in the credential scope; S3 reports IAM callers as `AWS:<id>`. */
function principalOf(exchange: S3Exchange): string {
  const credential = /Credential=([^/]+)\//.exec(header(exchange, 'authorization') ?? '');
  return credential?.[1] ? `AWS:${credential[1]}` : 'anonymous';
}

/** Streamed SDK uploads arrive `aws-chunked` (size lines, signatures, trailers): count payload bytes only. */
function decodedLength(exchange: S3Exchange): number {
  const body = exchange.requestBody;
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : '');
  if (!header(exchange, 'content-encoding')?.includes('aws-chunked')) return bytes.length;
  let total = 0;
  let offset = 0;
  while (offset < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const chunkSize = Number.parseInt(
      bytes.subarray(offset, lineEnd).toString('ascii').split(';')[0] ?? '',
      16,
    );
    if (!(chunkSize > 0)) break;
    total += chunkSize;
    offset = lineEnd + 2 + chunkSize + 2;
  }
  return total;
}

function bodyText(body: unknown): string {
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return typeof body === 'string' ? body : '';
}

function xmlEtag(payload: unknown): string {
  const match = /<ETag>([^<]*)<\/ETag>/.exec(bodyText(payload));
  return (match?.[1] ?? '').replaceAll('&quot;', '"').replaceAll('&#34;', '"');
}

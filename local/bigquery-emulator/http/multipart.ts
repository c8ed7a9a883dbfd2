import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';

/** Largest metadata part accepted (the JSON job resource); the file part is unbounded. */
const maxMetadataBytes = 10 * 1024 * 1024;
const headerEnd = Buffer.from('\r\n\r\n');

export class MultipartError extends Error {
  override name = 'MultipartError';
}

/**
 * Parses a `multipart/related` body incrementally, as the BigQuery client's upload sends it: part 1
 * is the job JSON (kept), part 2 the file bytes (streamed to `filePath`). Boundaries are searched in
 * each chunk plus a short carry from the previous one, so memory stays at a chunk whatever the size.
 */
export class MultipartToFile extends Writable {
  metadata = '';
  fileBytes = 0;
  private readonly delimiter: Buffer;
  // A virtual CRLF in front makes the first boundary look like every other one.
  private pending: Buffer = Buffer.from('\r\n');
  private state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';
  private partIndex = -1;
  private metadataChunks: Buffer[] = [];
  private metadataBytes = 0;
  private file: WriteStream | undefined;

  constructor(
    boundary: string,
    private readonly filePath: string,
  ) {
    super();
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.drain().then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.state !== 'done') {
      callback(new MultipartError('The multipart body ended before its closing boundary'));
      return;
    }
    if (this.partIndex < 1) {
      callback(new MultipartError('The multipart body needs two parts: the job metadata and the file'));
      return;
    }
    this.closeFile().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.file?.destroy();
    callback(error);
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.state === 'done') {
        this.pending = Buffer.alloc(0);
        return;
      }
      if (this.state === 'headers') {
        const end = this.pending.indexOf(headerEnd);
        if (end < 0) return;
        this.pending = this.pending.subarray(end + headerEnd.length);
        this.state = 'body';
        continue;
      }
      const at = this.pending.indexOf(this.delimiter);
      if (at < 0) {
        // Keep enough bytes to recognise a delimiter split across chunks.
        const keep = Math.min(this.pending.length, this.delimiter.length + 1);
        await this.emit_(this.pending.subarray(0, this.pending.length - keep));
        this.pending = Buffer.from(this.pending.subarray(this.pending.length - keep));
        return;
      }
      const after = at + this.delimiter.length;
      if (this.pending.length < after + 2) {
        await this.emit_(this.pending.subarray(0, at));
        this.pending = Buffer.from(this.pending.subarray(at));
        return;
      }
      await this.emit_(this.pending.subarray(0, at));
      const tail = this.pending.subarray(after, after + 2).toString('latin1');
      this.pending = this.pending.subarray(after + 2);
      await this.endPart();
      if (tail === '--') {
        this.state = 'done';
      } else if (tail === '\r\n') {
        this.partIndex += 1;
        this.state = 'headers';
      } else {
        throw new MultipartError('Malformed multipart boundary');
      }
    }
  }

  private async emit_(bytes: Buffer): Promise<void> {
    if (this.state !== 'body' || bytes.length === 0) return;
    if (this.partIndex === 0) {
      this.metadataBytes += bytes.length;
      if (this.metadataBytes > maxMetadataBytes)
        throw new MultipartError('The job metadata part is too large');
      this.metadataChunks.push(Buffer.from(bytes));
      return;
    }
    if (this.partIndex !== 1) throw new MultipartError('The multipart body has more than two parts');
    this.file ??= createWriteStream(this.filePath);
    this.fileBytes += bytes.length;
    // Backpressure: the request stream waits while the disk catches up, so memory stays flat.
    if (!this.file.write(bytes)) await once(this.file, 'drain');
  }

  private async endPart(): Promise<void> {
    if (this.partIndex === 0 && this.state === 'body')
      this.metadata = Buffer.concat(this.metadataChunks).toString('utf8');
  }

  private closeFile(): Promise<void> {
    const file = this.file ?? createWriteStream(this.filePath);
    this.file = file;
    return new Promise((resolve, reject) => {
      file.once('error', reject);
      file.end(resolve);
    });
  }
}

/** The boundary parameter of a `multipart/related; boundary=…` content type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  const match = /^multipart\/[a-z]+;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

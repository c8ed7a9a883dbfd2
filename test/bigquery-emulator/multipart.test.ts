import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MultipartToFile, multipartBoundary } from '../../local/bigquery-emulator/http/multipart.js';

const boundary = 'b0undary';
const bodyFactory = (metadata: string, file: Buffer): Buffer =>
  Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${metadata}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--`),
  ]);

/** Splits a body into chunks of `size` bytes, so boundaries fall across chunk edges. */
const chunked = (body: Buffer, size: number): Readable =>
  Readable.from(
    Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size)),
  );

describe('MultipartToFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'multipart-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe.each([1, 3, 17, 4096])('with %i-byte chunks', (size) => {
    it('keeps the metadata part and writes the file part byte for byte', async () => {
      // Prepare
      const file = Buffer.from(`PAR1\r\n--${boundary.slice(0, 4)}\r\n${'x'.repeat(500)}\r\n-PAR1`);
      const path = join(dir, 'out.bin');
      const parser = new MultipartToFile(boundary, path);

      // Act
      await pipeline(chunked(bodyFactory('{"a":1}', file), size), parser);

      // Assess
      expect(parser.metadata).toBe('{"a":1}');
      expect(parser.fileBytes).toBe(file.length);
      expect(await readFile(path)).toEqual(file);
    });
  });

  it('fails on a body cut before its closing boundary', async () => {
    // Prepare
    const body = bodyFactory('{}', Buffer.from('data'));
    const parser = new MultipartToFile(boundary, join(dir, 'out.bin'));

    // Act
    const act = pipeline(Readable.from([body.subarray(0, body.length - 10)]), parser);

    // Assess
    await expect(act).rejects.toThrow('ended before its closing boundary');
  });

  it('reads the boundary from the content type', () => {
    // Act
    const found = multipartBoundary('multipart/related; boundary=abc123');

    // Assess
    expect(found).toBe('abc123');
  });
});

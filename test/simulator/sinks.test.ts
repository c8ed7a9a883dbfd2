import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { directorySink, s3Sink, simulate } from '../../local/simulator/index.js';
import { startS3Fixture } from './support.js';

const casinoA = await loadMappingDir('mappings');

describe('s3Sink', () => {
  let fixture: Awaited<ReturnType<typeof startS3Fixture>>;
  let s3: S3Client;

  beforeAll(async () => {
    fixture = await startS3Fixture('landing');
    s3 = fixture.s3;
  });

  afterAll(async () => {
    await fixture.stop();
  });

  it('puts every simulated file into the bucket under its DMS key with its bytes', async () => {
    // Prepare
    const sink = s3Sink(s3, 'landing');

    // Act
    const { files } = await simulate({
      mappings: casinoA,
      sink,
      minutes: 2,
      changesPerMinute: 100,
      initialRowsPerTable: 5,
    });

    // Assess
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'landing' }));
    expect(new Set(listed.Contents?.map((object) => object.Key))).toEqual(
      new Set(files.map((file) => file.key)),
    );
    const first = files[0];
    const object = await s3.send(new GetObjectCommand({ Bucket: 'landing', Key: first?.key }));
    expect((await object.Body?.transformToByteArray())?.length).toBe(first?.bytes);
  });
});

describe('directorySink', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dms2bq-sim-sink-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes each key as a file path below the directory', async () => {
    // Prepare
    const sink = directorySink(dir);

    // Act
    await sink.write('src/db/t/2026/01/01/20260101-000130123.parquet', new Uint8Array([1, 2, 3]));

    // Assess
    expect([...(await readFile(join(dir, 'src/db/t/2026/01/01/20260101-000130123.parquet')))]).toEqual([
      1, 2, 3,
    ]);
  });
});

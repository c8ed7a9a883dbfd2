import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerSimulateCommand } from '../../cli/commands/local/simulate.js';
import type { GroundTruth } from '../../local/simulator/index.js';
import { runDms2bq } from '../support/cli.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';
import { startS3Fixture } from './support.js';

const dms2bq = (...argv: string[]) => runDms2bq([registerSimulateCommand], argv);

describe('dms2bq simulate', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dms2bq-sim-cli-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const base = () => ['simulate', '--mappings', 'mappings', '--out', join(dir, 'out'), '--minutes', '2'];

  it('writes the files below --out and the truth to <out>/_truth/ground-truth.json', async () => {
    // Prepare
    const argv = [...base(), '--changes-per-minute', '50', '--initial-rows', '3'];

    // Act
    const result = await dms2bq(...argv);

    // Assess
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /simulated 5 table\(s\): 5 LOAD file\(s\) with 15 row\(s\), \d+ CDC file\(s\) with 100 change\(s\)/,
    );
    const truth = JSON.parse(
      await readFile(join(dir, 'out', '_truth', 'ground-truth.json'), 'utf8'),
    ) as GroundTruth;
    expect(truth.tables['casino_a/game/bets']?.counts.fullLoadRows).toBe(3);
    expect(await readdir(join(dir, 'out', 'casino_a', 'game', 'bets'))).toContain('LOAD00000001.parquet');
  });

  it('writes the truth to --truth and leaves rows out with --no-truth-rows', async () => {
    // Prepare
    const argv = [...base(), '--changes-per-minute', '10', '--truth', join(dir, 't'), '--no-truth-rows'];

    // Act
    const result = await dms2bq(...argv);

    // Assess
    expect(result.code).toBe(0);
    const truth = JSON.parse(await readFile(join(dir, 't', 'ground-truth.json'), 'utf8')) as GroundTruth;
    expect(truth.tables['casino_a/game/users']?.currentRows).toEqual([]);
  });

  it('writes LOBs cut at LobMaxSize and DMS’s warnings with --oversized-lob-every', async () => {
    // Prepare
    const mappings = join(dir, 'm');
    await mkdir(mappings);
    const shop = sourceMappingFactory({
      dms: { lobMaxSizeKb: 1 },
      tables: [
        tableMappingFactory({
          columns: [
            { name: 'id', type: 'bigint' },
            { name: 'body', type: 'mediumtext' },
          ],
        }),
      ],
    });
    await writeFile(join(mappings, 'shop.json'), JSON.stringify(shop));
    const argv = ['simulate', '--mappings', mappings, '--out', join(dir, 'out'), '--minutes', '3'];

    // Act
    const result = await dms2bq(...argv, '--changes-per-minute', '60', '--oversized-lob-every', '3');

    // Assess
    expect(result.code).toBe(0);
    const count = Number(/DMS task log: (\d+) LOB truncation warning/.exec(result.stdout)?.[1]);
    const log = (await readFile(join(dir, 'out', '_truth', 'dms-task.log'), 'utf8'))
      .split('\n')
      .filter(Boolean);
    expect(count).toBeGreaterThan(0);
    expect(log).toHaveLength(count);
    expect(log[0]).toMatch(
      /\]W: {2}Value of column 'body' in table 'sales\.orders' was truncated to 1024 bytes/,
    );
  });

  it.each([
    {
      flag: '--changes-per-minute',
      value: 'many',
      message: '--changes-per-minute must be a number ≥ 0, got "many"',
    },
    { flag: '--seed', value: '1.5', message: '--seed must be an integer, got "1.5"' },
    { flag: '--parquet-version', value: '3', message: '--parquet-version must be 1 or 2, got "3"' },
    { flag: '--initial-rows', value: '-1', message: '--initial-rows must be an integer ≥ 0, got "-1"' },
  ])('rejects $flag $value with one line and exit code 2', async ({ flag, value, message }) => {
    // Prepare
    const argv = [...base(), '--changes-per-minute', '1', flag, value];

    // Act
    const result = await dms2bq(...argv);

    // Assess
    expect(result).toEqual({ code: 2, stdout: '', stderr: `${message}\n` });
  });

  it('rejects --minutes 0', async () => {
    // Prepare
    const argv = ['simulate', '--out', join(dir, 'o'), '--minutes', '0', '--changes-per-minute', '1'];

    // Act
    const result = await dms2bq(...argv);

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: '--minutes must be a positive number, got "0"\n' });
  });

  it('names an unknown mappings directory and exits 2', async () => {
    // Prepare
    const argv = [
      'simulate',
      '--mappings',
      join(dir, 'nope'),
      '--out',
      dir,
      '--minutes',
      '1',
      '--changes-per-minute',
      '1',
    ];

    // Act
    const result = await dms2bq(...argv);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nope: the mappings directory does not exist/);
  });

  it('names an unwritable --out and exits 2', async () => {
    // Prepare
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');

    // Act
    const result = await dms2bq(
      'simulate',
      '--out',
      join(file, 'sub'),
      '--minutes',
      '1',
      '--changes-per-minute',
      '1',
    );

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^--out .*a-file\/sub: cannot write there \(ENOTDIR\); choose a writable directory\n$/,
    );
  });

  it('asks for dms2bq local up or --endpoint with --out s3 when no local environment runs', async () => {
    // Prepare
    vi.stubEnv('DMS2BQ_LOCAL_STATE', join(dir, 'up.json'));
    const argv = ['simulate', '--out', 's3', '--minutes', '1', '--changes-per-minute', '1'];

    // Act
    const result = await dms2bq(...argv);

    // Assess
    vi.unstubAllEnvs();
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^no local environment is running .*start dms2bq local up .*--endpoint/),
    });
  });
});

describe('dms2bq simulate --out s3', () => {
  let fixture: Awaited<ReturnType<typeof startS3Fixture>>;
  let s3: S3Client;
  let truthDir: string;

  beforeAll(async () => {
    fixture = await startS3Fixture('landing');
    s3 = fixture.s3;
    truthDir = await mkdtemp(join(tmpdir(), 'dms2bq-sim-cli-s3-'));
  });

  afterAll(async () => {
    await fixture.stop();
    await rm(truthDir, { recursive: true, force: true });
  });

  const argv = (bucket: string) => [
    'simulate',
    '--out',
    's3',
    '--endpoint',
    fixture.endpoint,
    '--bucket',
    bucket,
    '--truth',
    truthDir,
    '--minutes',
    '2',
    '--changes-per-minute',
    '20',
    '--initial-rows',
    '2',
  ];

  it('puts the files into the bucket', async () => {
    // Act
    const result = await dms2bq(...argv('landing'));

    // Assess
    expect(result.code).toBe(0);
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: 'landing', Prefix: 'casino_a/game/bets/' }),
    );
    expect(listed.Contents?.map((object) => object.Key)).toContain('casino_a/game/bets/LOAD00000001.parquet');
  });

  it('names the bucket it cannot write to and exits 1', async () => {
    // Act
    const result = await dms2bq(...argv('missing'));

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^cannot write casino_a\/game\/bets\/LOAD00000001\.parquet to s3:\/\/missing at http/,
    );
  });
});

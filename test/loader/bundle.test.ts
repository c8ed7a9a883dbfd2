import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_BANNER, MAIN_FIELDS } from '../../infra/constructs/esm-bundling.js';
import { type EmulatorFixture, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { cdcTable } from './cdc-stream-helpers.js';
import { betsRoute } from './fixtures.js';

const HANDLER = fileURLToPath(new URL('../../lambdas/loader/handler.ts', import.meta.url));
const STREAMER = fileURLToPath(new URL('./bundled-streamer.entry.ts', import.meta.url));
/** A name only the Storage Write API's generated client and protos carry. */
const STORAGE_WRITE = 'google.cloud.bigquery.storage.v1.BigQueryWrite';

/** esbuild as PipelineFunction runs it (ESM, node24, minified, the same banner and main fields). */
async function bundle(entry: string, outfile: string, define: Record<string, string> = {}): Promise<string> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    mainFields: MAIN_FIELDS,
    banner: { js: ESM_BANNER },
    outfile,
    define,
    logLevel: 'error',
  });
  return readFile(outfile, 'utf8');
}

/** The loader for a routing whose one route is in `current` mode, as pipeline-stack.ts defines it. */
const loaderDefines = (current: 'view' | 'table') => ({
  __DMS2BQ_ROUTING__: JSON.stringify({ 'casino_a/game/bets': { ...betsRoute, current } }),
  __DMS2BQ_CURRENT_TABLES__: String(current === 'table'),
});

describe('loader bundle', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loader-bundle-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('leaves the CDC streaming out when no route has a current table', async () => {
    // Act
    const code = await bundle(HANDLER, join(dir, 'view.mjs'), loaderDefines('view'));

    // Assess
    expect(code.includes(STORAGE_WRITE)).toBe(false);
    expect(code.includes('__DMS2BQ_CURRENT_TABLES__')).toBe(false);
  });

  it('includes the CDC streaming when a route has a current table', async () => {
    // Act
    const code = await bundle(HANDLER, join(dir, 'table.mjs'), loaderDefines('table'));

    // Assess
    expect(code.includes(STORAGE_WRITE)).toBe(true);
  });

  describe('once bundled', () => {
    let fixture: EmulatorFixture;
    beforeAll(async () => {
      fixture = await startEmulatorFixture({ storageWrite: true });
    });
    afterAll(() => fixture.stop());

    it('streams to a CDC table (google-gax needs __dirname, which the banner provides)', async () => {
      // Prepare
      const outfile = join(dir, 'streamer.mjs');
      await bundle(STREAMER, outfile);
      const target = await cdcTable(fixture, [{ name: 'id', type: 'INTEGER', mode: 'REQUIRED' }]);
      const endpoint = fixture.emulator.storageWrite;

      // Act
      const { stdout } = await promisify(execFile)(process.execPath, [outfile], {
        cwd: dir,
        timeout: 30_000,
        env: {
          ...process.env,
          STORAGE_WRITE_ENDPOINT: `${endpoint?.host}:${endpoint?.port}`,
          TARGET: JSON.stringify(target),
          ROWS: JSON.stringify([{ values: { id: 7 }, changeType: 'UPSERT', sequence: '1/0/0/0' }]),
        },
      });

      // Assess
      expect(JSON.parse(stdout)).toEqual({ rows: 1, requests: 1 });
      expect(
        await fixture.emulator.query(`SELECT id::INTEGER AS id FROM "${target.dataset}".t_current`),
      ).toEqual([{ id: 7 }]);
    });
  });
});

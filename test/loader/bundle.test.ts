import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betsRoute } from './fixtures.js';

const HANDLER = fileURLToPath(new URL('../../lambdas/loader/handler.ts', import.meta.url));
/** A name only the Storage Write API's generated client and protos carry. */
const STORAGE_WRITE = 'google.cloud.bigquery.storage.v1.BigQueryWrite';

/** The loader bundled as pipeline-stack.ts does: the routing and whether it has a `table` route. */
async function bundle(dir: string, current: 'view' | 'table'): Promise<string> {
  const outfile = join(dir, `${current}.mjs`);
  await build({
    entryPoints: [HANDLER],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    outfile,
    define: {
      __DMS2BQ_ROUTING__: JSON.stringify({ 'casino_a/game/bets': { ...betsRoute, current } }),
      __DMS2BQ_CURRENT_TABLES__: String(current === 'table'),
    },
    logLevel: 'error',
  });
  return readFile(outfile, 'utf8');
}

describe('loader bundle', { timeout: 60_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loader-bundle-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('leaves the CDC streaming out when no route has a current table', async () => {
    // Act
    const code = await bundle(dir, 'view');

    // Assess
    expect(code.includes(STORAGE_WRITE)).toBe(false);
    expect(code.includes('__DMS2BQ_CURRENT_TABLES__')).toBe(false);
  });

  it('includes the CDC streaming when a route has a current table', async () => {
    // Act
    const code = await bundle(dir, 'table');

    // Assess
    expect(code.includes(STORAGE_WRITE)).toBe(true);
  });
});

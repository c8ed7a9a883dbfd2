import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const emulatorDir = join(root, 'local', 'bigquery-emulator');
const forbidden = ['lambdas', 'cli'].map((dir) => join(root, dir) + sep);

/** Every module specifier of a source file: static and dynamic imports, re-exports, require. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return Promise.resolve(/\.(c|m)?(t|j)sx?$/.test(entry.name) ? [path] : []);
    }),
  );
  return nested.flat();
}

/** The imports of `source` (a file under `file`'s directory) that resolve into lambdas/ or cli/. */
function forbiddenImports(file: string, source: string): string[] {
  return [...source.matchAll(SPECIFIER)]
    .map((match) => match[1] as string)
    .filter((specifier) => specifier.startsWith('.'))
    .filter((specifier) => forbidden.some((dir) => resolve(dirname(file), specifier).startsWith(dir)));
}

describe('the BigQuery emulator implements BigQuery on its own', () => {
  it('imports nothing from lambdas/ or cli/', async () => {
    // Prepare
    const files = await sourceFiles(emulatorDir);

    // Act
    const offending = [];
    for (const file of files) {
      for (const specifier of forbiddenImports(file, await readFile(file, 'utf8'))) {
        offending.push(`${relative(root, file)} imports ${specifier}`);
      }
    }

    // Assess
    expect(files.length).toBeGreaterThan(40);
    expect(offending).toEqual([]);
  });

  it.each([
    ["import { x } from '../../../lambdas/shared/bigquery/change-sequence.js';"],
    ["export { y } from '../../../cli/program.js';"],
    ["const m = await import('../../../lambdas/loader/handler.js');"],
    ["const r = require('../../../cli/errors.js');"],
  ])('catches %s', (source) => {
    // Act
    const found = forbiddenImports(join(emulatorDir, 'storage-write', 'apply.ts'), source);

    // Assess
    expect(found).toHaveLength(1);
  });
});

/**
 * What esbuild's ESM output lacks and bundled CommonJS dependencies use: `require` (several SDKs),
 * and `__dirname`/`__filename` (google-gax computes a path from `__dirname` when it loads, so the
 * loader's CDC streaming — @google-cloud/bigquery-storage — fails at import without them). Shared by
 * every pipeline function and by the tests and benchmark that bundle the loader the same way.
 */
export const ESM_BANNER = [
  "import { createRequire as __dms2bqRequire } from 'node:module';",
  "import { fileURLToPath as __dms2bqFileUrlToPath } from 'node:url';",
  "import { dirname as __dms2bqDirname } from 'node:path';",
  'const require = __dms2bqRequire(import.meta.url);',
  'const __filename = __dms2bqFileUrlToPath(import.meta.url);',
  'const __dirname = __dms2bqDirname(__filename);',
].join('');

/** Prefer packages' ESM builds, then their CommonJS `main`. */
export const MAIN_FIELDS = ['module', 'main'];

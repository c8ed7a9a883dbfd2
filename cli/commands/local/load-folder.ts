import { basename, dirname, resolve } from 'node:path';
import { usageError } from '../../errors.js';

/** Where a DMS file's own part of the key starts: a LOAD file, or a CDC file's `yyyy/mm/dd/`. */
const FILE_PART = /^(?:(?:SEGMENT\d+_)?LOAD[^/]*\.parquet|\d{4}\/\d{2}\/\d{2}\/[^/]+\.parquet)$/;

/**
 * `local load` wants the folder above `<source>/<schema>/<table>/`. Pointed one, two or three levels
 * too deep (a source, schema or table folder), the keys under it are short by as many folders: the
 * fix is the folder that many levels up, named with what it holds.
 */
export function checkLoadFolder(dir: string, keys: readonly string[]): void {
  const parquet = keys.filter((key) => key.endsWith('.parquet'));
  const missing = parquet.map(missingLevels).find((levels) => levels > 0);
  if (missing === undefined) return;
  const kind = ['', 'source', 'schema', 'table'][missing] ?? 'table';
  let parent = resolve(dir);
  const skipped: string[] = [];
  for (let level = 0; level < missing; level++) {
    skipped.unshift(basename(parent));
    parent = dirname(parent);
  }
  throw usageError(
    `${dir}: this looks like a ${kind} folder; point at the source's parent (${parent}), which holds ${skipped.join('/')}/`,
  );
}

/** 0 when `key` is `<source>/<schema>/<table>/<file part>`, else how many of those folders it lacks. */
function missingLevels(key: string): number {
  const parts = key.split('/');
  for (let levels = 0; levels <= 3; levels++) {
    if (FILE_PART.test(parts.slice(levels).join('/'))) return 3 - levels;
  }
  return 0;
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jsonFileProblem, parseJsonText } from '../json-text.js';
import type { MappingFile } from './model.js';
import { MappingValidationError, validateDocuments } from './validate.js';

/** A mapping directory or file that cannot be read or parsed; the message names the file. */
export class MappingLoadError extends Error {
  override name = 'MappingLoadError';
  /** True when the directory itself is missing: the command was pointed at the wrong place. */
  constructor(
    message: string,
    readonly wrongPath = false,
  ) {
    super(message);
  }
}

/** What to do about a mapping file that does not parse. */
export const MAPPING_JSON_FIX =
  'fix the syntax there (an editor using mappings/schema.json marks it), then run dms2bq validate';

/**
 * Reads every `<source>.json` in `dir` (not `schema.json`). Checks only that files exist and parse:
 * `validateMappings` decides whether their content is acceptable.
 */
export async function readMappingDir(dir: string): Promise<{ file: string; document: unknown }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : code;
    throw new MappingLoadError(`${dir}: the mappings directory ${reason}; pass --mappings <dir>.`, true);
  }
  const files = names.filter((name) => name.endsWith('.json') && name !== 'schema.json').sort();
  if (files.length === 0) {
    throw new MappingLoadError(`${dir}: no mapping files (<source>.json) found; add one per source cluster.`);
  }
  return Promise.all(
    files.map(async (name) => {
      const file = join(dir, name);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new MappingLoadError(
          `${file}: cannot be read (${(error as NodeJS.ErrnoException).code}); check it is a readable file`,
        );
      }
      try {
        return { file, document: parseJsonText(text) };
      } catch (error) {
        throw new MappingLoadError(jsonFileProblem(file, error, MAPPING_JSON_FIX));
      }
    }),
  );
}

/** Reads and validates a mappings directory; throws `MappingValidationError` unless every file is valid. */
export async function loadMappingDir(dir: string): Promise<MappingFile[]> {
  const { mappings, problems } = validateDocuments(await readMappingDir(dir));
  if (problems.length > 0) throw new MappingValidationError(problems);
  return mappings;
}

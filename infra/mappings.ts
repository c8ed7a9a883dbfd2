import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MappingLoadError } from '../lambdas/shared/mappings/load.js';
import type { SourceMapping } from '../lambdas/shared/mappings/model.js';
import { MappingValidationError, validateDocuments } from '../lambdas/shared/mappings/validate.js';

/**
 * Reads and validates `mappings/` synchronously: the CDK app builds its construct tree
 * synchronously, and an invalid mapping must stop the synth with the validator's messages.
 */
export function readMappingsSync(dir: string): SourceMapping[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json') && name !== 'schema.json')
    .sort()
    .map((name) => join(dir, name));
  const documents = files.map((file) => {
    try {
      return { file, document: JSON.parse(readFileSync(file, 'utf8')) as unknown };
    } catch (error) {
      throw new MappingLoadError(`${file}: not valid JSON: ${(error as Error).message}`);
    }
  });
  const { mappings, problems } = validateDocuments(documents);
  if (problems.length > 0) throw new MappingValidationError(problems);
  return mappings.map(({ mapping }) => mapping);
}

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonFileProblem, parseJsonText } from '../lambdas/shared/json-text.js';
import { MAPPING_JSON_FIX, MappingLoadError } from '../lambdas/shared/mappings/load.js';
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
      return { file, document: parseJsonText(readFileSync(file, 'utf8')) };
    } catch (error) {
      throw new MappingLoadError(jsonFileProblem(file, error, MAPPING_JSON_FIX));
    }
  });
  const { mappings, problems } = validateDocuments(documents);
  if (problems.length > 0) throw new MappingValidationError(problems);
  return mappings.map(({ mapping }) => mapping);
}

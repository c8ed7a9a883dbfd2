import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import mappingSchema from '../../../mappings/schema.json' with { type: 'json' };
import type { Problem } from './problem.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const validateDocument = ajv.compile(mappingSchema);

/** Schema violations of one mapping document, in words an analyst editing JSON can act on. */
export function schemaProblems(file: string, document: unknown): Problem[] {
  if (validateDocument(document)) return [];
  return (validateDocument.errors ?? []).map((error) => ({
    file,
    path: error.instancePath || '/',
    message: describe(error),
  }));
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown field "${String(params.additionalProperty)}"; remove it or check its spelling against mappings/schema.json`;
    case 'required':
      return `missing required field "${String(params.missingProperty)}"`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern':
      return `${error.message ?? 'does not match the pattern'}; see the field's description in mappings/schema.json`;
    default:
      return error.message ?? error.keyword;
  }
}

import { currentTableProblems } from './current-check.js';
import { hashColumnProblems } from './hash-check.js';
import { heartbeatProblems } from './heartbeat-check.js';
import { lobWarnings } from './lob-check.js';
import type { MappingFile, SourceMapping } from './model.js';
import { formatProblem, type Problem } from './problem.js';
import { crossFileProblems, fileProblems } from './rules.js';
import { schemaProblems } from './schema-check.js';
import { stalenessWarnings } from './staleness-check.js';

export interface ValidationResult {
  /** The files that passed the schema check (semantic problems may still be reported). */
  mappings: MappingFile[];
  problems: Problem[];
  /**
   * Risks that do not block a deploy (a LOB column DMS may truncate, a costly staleness); printed,
   * exit code unchanged.
   */
  warnings: Problem[];
}

/** Validates parsed mapping documents: the schema first, then the rules on schema-valid files. */
export function validateDocuments(documents: { file: string; document: unknown }[]): ValidationResult {
  const problems: Problem[] = [];
  const mappings: MappingFile[] = [];
  for (const { file, document } of documents) {
    const found = schemaProblems(file, document);
    problems.push(...found);
    if (found.length === 0) mappings.push({ file, mapping: document as SourceMapping });
  }
  for (const mapping of mappings) {
    problems.push(
      ...fileProblems(mapping),
      ...hashColumnProblems(mapping),
      ...heartbeatProblems(mapping),
      ...currentTableProblems(mapping),
    );
  }
  problems.push(...crossFileProblems(mappings));
  return {
    mappings,
    problems,
    warnings: mappings.flatMap((mapping) => [...lobWarnings(mapping), ...stalenessWarnings(mapping)]),
  };
}

export class MappingValidationError extends Error {
  override name = 'MappingValidationError';
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

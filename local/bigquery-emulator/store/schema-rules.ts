import { BigQueryApiError, invalid } from '../errors.js';
import { legacyTypeName, type TableFieldSchema } from '../types.js';

/** Normalises a request's schema as BigQuery does: legacy type names, explicit NULLABLE mode. */
export function normalizeFields(fields: unknown): TableFieldSchema[] {
  if (!Array.isArray(fields)) throw invalid('schema.fields must be an array');
  return fields.map((raw: unknown) => {
    const field = raw as Partial<TableFieldSchema>;
    if (typeof field.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,299}$/.test(field.name)) {
      throw invalid(
        `Invalid field name "${String(field.name)}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`,
      );
    }
    const type = legacyTypeName(String(field.type ?? 'STRING'));
    if (type === undefined) {
      throw new BigQueryApiError(
        400,
        'invalid',
        `The BigQuery emulator does not support field type ${String(field.type)} (field ${field.name})`,
      );
    }
    if (field.mode === 'REPEATED') {
      throw new BigQueryApiError(
        400,
        'invalid',
        `The BigQuery emulator does not support REPEATED fields (field ${field.name})`,
      );
    }
    const normalized: TableFieldSchema = {
      name: field.name,
      type,
      mode: field.mode === 'REQUIRED' ? 'REQUIRED' : 'NULLABLE',
    };
    if (field.description !== undefined) normalized.description = field.description;
    return normalized;
  });
}

export interface SchemaChange {
  fields: TableFieldSchema[];
  added: TableFieldSchema[];
  relaxed: string[];
}

export interface SchemaRules {
  allowFieldAddition: boolean;
  allowFieldRelaxation: boolean;
  /** tables.patch must repeat every field; a load may omit NULLABLE ones (they load as NULL). */
  requireAllExisting: boolean;
}

/**
 * Applies BigQuery's schema evolution rules and returns the resulting schema, or throws a message in
 * BigQuery's words ("Provided Schema does not match Table …"). Field names compare case-insensitively.
 */
export function evolveSchema(
  tableId: string,
  existing: TableFieldSchema[],
  incoming: TableFieldSchema[],
  rules: SchemaRules,
): SchemaChange {
  const mismatch = (detail: string): Error =>
    new Error(`Provided Schema does not match Table ${tableId}. ${detail}`);
  const byName = new Map(incoming.map((field) => [field.name.toLowerCase(), field]));
  const fields: TableFieldSchema[] = [];
  const relaxed: string[] = [];
  for (const current of existing) {
    const next = byName.get(current.name.toLowerCase());
    byName.delete(current.name.toLowerCase());
    if (next === undefined) {
      if (rules.requireAllExisting) throw mismatch(`Field ${current.name} is missing in new schema`);
      if (current.mode === 'REQUIRED' && !rules.allowFieldRelaxation) {
        throw mismatch(`Field ${current.name} has changed mode from REQUIRED to NULLABLE`);
      }
      fields.push(current);
      continue;
    }
    if (next.type !== current.type) {
      throw mismatch(`Field ${current.name} has changed type from ${current.type} to ${next.type}`);
    }
    if (current.mode === 'REQUIRED' && next.mode !== 'REQUIRED') {
      if (!rules.allowFieldRelaxation)
        throw mismatch(`Field ${current.name} has changed mode from REQUIRED to NULLABLE`);
      relaxed.push(current.name);
      fields.push({ ...current, mode: 'NULLABLE' });
      continue;
    }
    if (current.mode !== 'REQUIRED' && next.mode === 'REQUIRED' && rules.requireAllExisting) {
      throw mismatch(`Field ${current.name} has changed mode from NULLABLE to REQUIRED`);
    }
    fields.push(current);
  }
  const added = [...byName.values()];
  if (added.length > 0 && !rules.allowFieldAddition) {
    throw mismatch(`Cannot add fields (field: ${added[0]?.name})`);
  }
  // BigQuery adds new columns as NULLABLE: existing rows have no value for them.
  const addedNullable = added.map((field): TableFieldSchema => ({ ...field, mode: 'NULLABLE' }));
  if (rules.requireAllExisting && added.some((field) => field.mode === 'REQUIRED')) {
    throw mismatch(
      `Cannot add required fields to an existing schema (field: ${added.find((f) => f.mode === 'REQUIRED')?.name})`,
    );
  }
  return { fields: [...fields, ...addedNullable], added: addedNullable, relaxed };
}

/** `Y-M D H:M:S[.F]`, the canonical text of an SQL IntervalValue (e.g. `0-0 0 0:15:0`). */
const INTERVAL_VALUE = /^-?\d+-\d+ -?\d+ -?\d+:\d+:\d+(\.\d{1,9})?$/;

/**
 * Checks what tables.insert/patch store for CDC tables: a primary key names existing columns, once
 * each (BigQuery does not enforce it on data); `maxStaleness` is an IntervalValue string.
 */
export function checkTableConstraints(resource: {
  id: string;
  schema: { fields: TableFieldSchema[] };
  tableConstraints?: { primaryKey?: { columns: string[] } };
  maxStaleness?: string;
}): void {
  const columns = resource.tableConstraints?.primaryKey?.columns;
  if (columns !== undefined) {
    if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === 'string')) {
      throw invalid('tableConstraints.primaryKey.columns must be a non-empty list of column names');
    }
    const seen = new Set<string>();
    for (const column of columns) {
      if (!resource.schema.fields.some((field) => field.name.toLowerCase() === column.toLowerCase())) {
        throw invalid(`Primary key column ${column} is not found in table ${resource.id}`);
      }
      if (seen.has(column.toLowerCase())) throw invalid(`Duplicate primary key column ${column}`);
      seen.add(column.toLowerCase());
    }
  }
  if (resource.maxStaleness !== undefined && !INTERVAL_VALUE.test(String(resource.maxStaleness))) {
    throw invalid(
      `Invalid maxStaleness "${String(resource.maxStaleness)}": expected an interval such as "0-0 0 0:15:0"`,
    );
  }
}

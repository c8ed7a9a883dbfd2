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

/** "Primary keys cannot exceed 16 columns" (TABLE_CONSTRAINTS view, Limitations). */
const MAX_PRIMARY_KEY_COLUMNS = 16;
/**
 * "Primary keys and foreign keys must be of one of the following types: BIGNUMERIC, BOOLEAN, DATE,
 * DATETIME, INT64, NUMERIC, STRING, or TIMESTAMP" (same page), in the legacy names the catalog stores.
 */
const PRIMARY_KEY_TYPES = new Set([
  'BIGNUMERIC',
  'BOOLEAN',
  'DATE',
  'DATETIME',
  'INTEGER',
  'NUMERIC',
  'STRING',
  'TIMESTAMP',
]);
/** Clustered tables: "You can only specify up to four clustering columns." */
const MAX_CLUSTERING_FIELDS = 4;

/**
 * Checks what tables.insert/patch store for CDC tables: a primary key of at most 16 existing
 * columns of the types BigQuery allows, once each (BigQuery does not enforce it on data);
 * `maxStaleness` is an IntervalValue string. BigQuery's wording for these refusals is not
 * documented; the messages here are the emulator's (ADR 0024).
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
    if (columns.length > MAX_PRIMARY_KEY_COLUMNS) {
      throw invalid(
        `Primary key of table ${resource.id} has ${columns.length} columns; primary keys cannot exceed ${MAX_PRIMARY_KEY_COLUMNS} columns`,
      );
    }
    const seen = new Set<string>();
    for (const column of columns) {
      const field = resource.schema.fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
      if (field === undefined) {
        throw invalid(`Primary key column ${column} is not found in table ${resource.id}`);
      }
      if (!PRIMARY_KEY_TYPES.has(field.type)) {
        throw invalid(
          `Primary key column ${column} of table ${resource.id} has type ${field.type}; primary key columns must be BIGNUMERIC, BOOLEAN, DATE, DATETIME, INT64, NUMERIC, STRING or TIMESTAMP`,
        );
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

/** Clustering names at most four columns, each of the schema. */
export function checkClustering(resource: {
  schema: { fields: TableFieldSchema[] };
  clustering?: { fields: string[] };
}): void {
  const clustered = resource.clustering?.fields ?? [];
  // The wording of BigQuery's refusal as a client reported it (jmriego/pipelinewise-target-bigquery#133).
  if (clustered.length > MAX_CLUSTERING_FIELDS) {
    throw invalid(
      `${clustered.length} clustering fields specified, exceeding the limit of ${MAX_CLUSTERING_FIELDS}.`,
    );
  }
  const missing = clustered.find(
    (name) => !resource.schema.fields.some((field) => field.name.toLowerCase() === name.toLowerCase()),
  );
  if (missing !== undefined)
    throw invalid(
      `The field specified for clustering cannot be found in the schema. Invalid field: ${missing}.`,
    );
}

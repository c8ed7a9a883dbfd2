import type protobuf from 'protobufjs';
import type { TableResource } from '../store/resources.js';
import type { TableFieldSchema } from '../types.js';
import { type SequenceSections, sequenceSections } from './change-sequence.js';
import { entity, invalidArgument, type RowProblem, rowErrorsMessage } from './errors.js';
import { acceptedProtoTypes, sqlValue } from './values.js';

export const CHANGE_TYPE = '_CHANGE_TYPE';
export const CHANGE_SEQUENCE_NUMBER = '_CHANGE_SEQUENCE_NUMBER';
/** "Primary keys cannot exceed 16 columns" (CDC limitations). */
const MAX_KEY_COLUMNS = 16;

export interface WriterPlan {
  rowType: protobuf.Type;
  /** Proto field name → table column, for the fields that are columns. */
  columns: Map<string, TableFieldSchema>;
  /** True when the writer sends `_CHANGE_TYPE`: a CDC write to a table with a primary key. */
  cdc: boolean;
  primaryKey: string[];
}

export interface DecodedRow {
  index: number;
  /** Column name → its value as text (values.ts `sqlOfText` converts it); unset columns are absent. */
  values: Map<string, string>;
  changeType?: 'UPSERT' | 'DELETE';
  sequence?: SequenceSections;
}

const protoTypeName = (field: protobuf.Field): string =>
  field.resolvedType !== null && 'values' in field.resolvedType ? 'enum' : field.type;

/**
 * Matches the writer's schema to the table's, as BigQuery does before appending any row. Columns in
 * `unseen` (lower case) were added too recently for the Storage Write API to know them (ADR 0028):
 * a writer field naming one is an extra field, as it is in BigQuery until the change propagates.
 */
export function planWriter(
  table: TableResource,
  rowType: protobuf.Type,
  streamName: string,
  unseen: ReadonlySet<string> = new Set(),
): WriterPlan {
  const byName = new Map(
    table.schema.fields
      .filter((field) => !unseen.has(field.name.toLowerCase()))
      .map((field) => [field.name.toLowerCase(), field]),
  );
  const primaryKey = table.tableConstraints?.primaryKey?.columns ?? [];
  const columns = new Map<string, TableFieldSchema>();
  const extra: string[] = [];
  let cdc = false;
  for (const field of rowType.fieldsArray) {
    const pseudo = field.name === CHANGE_TYPE || field.name === CHANGE_SEQUENCE_NUMBER;
    if (pseudo && primaryKey.length > 0) {
      if (field.type !== 'string' || field.repeated) throw mismatch(rowType, field, 'STRING', streamName);
      if (field.name === CHANGE_TYPE) cdc = true;
      continue;
    }
    const column = byName.get(field.name.toLowerCase());
    if (column === undefined) {
      extra.push(field.name);
      continue;
    }
    const accepted = acceptedProtoTypes[column.type] ?? [];
    if (field.repeated || !accepted.includes(protoTypeName(field))) {
      throw mismatch(rowType, field, column.type, streamName);
    }
    columns.set(field.name, column);
  }
  if (extra.length > 0) {
    throw invalidArgument(
      `Input schema has more fields than BigQuery schema, extra fields: '${extra.join(',')}'${entity(streamName)}`,
    );
  }
  if (cdc && primaryKey.length > MAX_KEY_COLUMNS) {
    throw invalidArgument(
      `Primary keys cannot exceed ${MAX_KEY_COLUMNS} columns for change data capture; table ${table.id} has ${primaryKey.length}.${entity(streamName)}`,
    );
  }
  return { rowType, columns, cdc, primaryKey };
}

function mismatch(rowType: protobuf.Type, field: protobuf.Field, bigQueryType: string, streamName: string) {
  return invalidArgument(
    `The proto field mismatched with BigQuery field at ${rowType.name}.${field.name}, the proto field type ${protoTypeName(field)}, BigQuery field type ${bigQueryType}${entity(streamName)}`,
  );
}

/**
 * Decodes `serialized_rows` with the writer's type. Any bad row fails the whole request with
 * `row_errors`, as BigQuery appends "no rows in the batch" when some are corrupt.
 */
export function decodeRows(plan: WriterPlan, table: TableResource, serialized: Buffer[]): DecodedRow[] {
  const problems: RowProblem[] = [];
  const rows = serialized.map((bytes, index): DecodedRow => {
    const row: DecodedRow = { index, values: new Map() };
    const fail = (message: string) => problems.push({ index, message });
    let message: Record<string, unknown>;
    try {
      message = plan.rowType.toObject(plan.rowType.decode(bytes), {
        longs: String,
        enums: Number,
        bytes: Buffer,
      });
    } catch (error) {
      fail(`Failed to parse the row as ${plan.rowType.name}: ${(error as Error).message}`);
      return row;
    }
    for (const [fieldName, column] of plan.columns) {
      const value = message[fieldName];
      if (value === undefined || value === null) continue;
      const field = plan.rowType.fields[fieldName];
      const converted = sqlValue(column.type, field ? protoTypeName(field) : 'string', value);
      if ('problem' in converted) fail(`${converted.problem} (field ${column.name})`);
      else row.values.set(column.name, converted.text);
    }
    // A DELETE only needs its key: the row it removes is never written.
    const deleting = plan.cdc && message[CHANGE_TYPE] === 'DELETE';
    for (const column of table.schema.fields) {
      if (column.mode === 'REQUIRED' && !deleting && !row.values.has(column.name)) {
        fail(`Field ${column.name} is REQUIRED but the row has no value for it`);
      }
    }
    if (!plan.cdc) return row;
    const changeType = message[CHANGE_TYPE];
    if (changeType !== 'UPSERT' && changeType !== 'DELETE') {
      fail(`The given value is not a valid CHANGE_TYPE: ${String(changeType ?? '')}`);
    } else row.changeType = changeType;
    const sequence = message[CHANGE_SEQUENCE_NUMBER];
    if (typeof sequence === 'string' && sequence !== '') {
      const sections = sequenceSections(sequence);
      if ('problem' in sections) fail(sections.problem);
      else row.sequence = sections;
    }
    return row;
  });
  if (problems.length > 0) throw invalidArgument(rowErrorsMessage, problems);
  return rows;
}

import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteString } from '../types.js';
import { DuckDbSyntaxError } from './syntax.js';

/**
 * The second translation pass, on DuckDB's own parse tree (json_serialize_sql), for what needs
 * operator precedence the token pass does not know: `/`, `=` and `!=` become the typed macros that
 * raise on division by zero and never equate NaN; `[OFFSET(n)]` and friends check bounds; and the
 * outer SELECT's unnamed columns are named `f0_`, `f1_`, … as BigQuery names them.
 */
type Node = { [key: string]: unknown };

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const macroCall = (name: string, children: unknown[], from: Node): Node => ({
  class: 'FUNCTION',
  type: 'FUNCTION',
  alias: from.alias ?? '',
  query_location: from.query_location ?? 0,
  function_name: name,
  schema: 'bq-fn',
  catalog: '',
  children,
  filter: null,
  order_bys: { type: 'ORDER_MODIFIER', orders: [] },
  distinct: false,
  is_operator: false,
  export_state: false,
});

/** `a = b` → `(a = b AND NOT nan(a) AND NOT nan(b))`; `a != b` → `(a != b OR nan(a) OR nan(b))`. */
function nanAware(node: Node): Node {
  const equal = node.type === 'COMPARE_EQUAL';
  const isNan = (side: unknown): Node => {
    const call = macroCall('nan', [structuredClone(side)], {});
    return equal
      ? { class: 'OPERATOR', type: 'OPERATOR_NOT', alias: '', query_location: 0, children: [call] }
      : call;
  };
  return {
    class: 'CONJUNCTION',
    type: equal ? 'CONJUNCTION_AND' : 'CONJUNCTION_OR',
    alias: node.alias ?? '',
    query_location: node.query_location ?? 0,
    children: [{ ...node, alias: '' }, isNan(node.left), isNan(node.right)],
  };
}
const subscripts = ['at_offset', 'at_ordinal', 'at_safe_offset', 'at_safe_ordinal'];

function rewriteExpression(node: Node): Node {
  if (node.class === 'COMPARISON' && (node.type === 'COMPARE_EQUAL' || node.type === 'COMPARE_NOTEQUAL')) {
    return nanAware(node);
  }
  if (node.class === 'FUNCTION' && node.function_name === '||' && node.is_operator === true) {
    // A nested `||` is checked at its own level: wrapping it again would copy it into the macro twice per level.
    const isConcat = (child: unknown): boolean => isNode(child) && child.function_name === '||';
    return {
      ...node,
      children: (node.children as unknown[]).map((child) =>
        isConcat(child) ? child : macroCall('concat_operand', [child], {}),
      ),
    };
  }
  if (node.class === 'FUNCTION' && node.function_name === '/' && node.is_operator === true) {
    return macroCall('divide', node.children as unknown[], node);
  }
  if (node.class === 'OPERATOR' && node.type === 'ARRAY_EXTRACT') {
    const [list, index] = node.children as [unknown, unknown];
    if (isNode(index) && index.schema === 'bq-fn' && subscripts.includes(String(index.function_name))) {
      const [position] = index.children as [unknown];
      return macroCall(`array_${String(index.function_name)}`, [list, position], node);
    }
  }
  return node;
}

function walk(value: unknown, inJoinCondition = false): unknown {
  if (Array.isArray(value)) return value.map((item) => walk(item, inJoinCondition));
  if (!isNode(value)) return value;
  const node: Node = {};
  for (const [key, child] of Object.entries(value)) {
    // Join keys keep DuckDB's `=` so hash joins stay hash joins; NaN keys are a documented difference.
    node[key] = walk(child, inJoinCondition || (value.type === 'JOIN' && key === 'condition'));
  }
  return inJoinCondition ? node : rewriteExpression(node);
}

/** BigQuery names each unnamed, non-column SELECT expression f<n>_, counting from 0. */
function nameColumns(statement: Node): void {
  let node = statement.node;
  while (isNode(node) && node.type === 'SET_OPERATION_NODE') node = node.left;
  if (!isNode(node) || node.type !== 'SELECT_NODE') return;
  let anonymous = 0;
  for (const item of node.select_list as Node[]) {
    if (item.alias !== '' || item.class === 'COLUMN_REF' || item.class === 'STAR') continue;
    item.alias = `f${anonymous}_`;
    anonymous += 1;
  }
}

/** The hidden columns of a table (its dataset '' when the query leaves it unqualified). */
export type HiddenColumns = (datasetId: string, tableId: string) => string[];

/** The base tables a FROM clause names directly (through joins, not subqueries), by the name `*` qualifies. */
function directTables(from: unknown, ctes: Set<string>): { name: string; schema: string; table: string }[] {
  if (!isNode(from)) return [];
  if (from.type === 'JOIN') return [...directTables(from.left, ctes), ...directTables(from.right, ctes)];
  if (from.type !== 'BASE_TABLE') return [];
  const schema = String(from.schema_name ?? '');
  const table = String(from.table_name ?? '');
  if (schema === '' && ctes.has(table.toLowerCase())) return [];
  return [{ name: String(from.alias || table).toLowerCase(), schema, table }];
}

/**
 * `SELECT *` and `t.*` leave out the pseudo-columns of ingestion-time partitioned tables, as in
 * BigQuery: the star of a SELECT whose FROM names such a table gets them in its EXCLUDE list.
 */
function hidePseudoColumns(statements: unknown, hidden: HiddenColumns, ctes: Set<string>): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    if (value.type === 'SELECT_NODE' && Array.isArray(value.select_list)) {
      const tables = directTables(value.from_table, ctes).map((table) => ({
        ...table,
        hidden: hidden(table.schema, table.table),
      }));
      for (const item of value.select_list as Node[]) {
        if (item.class !== 'STAR' || item.columns === true || !Array.isArray(item.exclude_list)) continue;
        const relation = String(item.relation_name ?? '').toLowerCase();
        const names = tables
          .filter((table) => relation === '' || table.name === relation)
          .flatMap((table) => table.hidden);
        const excluded = new Set((item.exclude_list as unknown[]).map((name) => String(name).toLowerCase()));
        for (const name of names) {
          if (!excluded.has(name.toLowerCase())) (item.exclude_list as unknown[]).push(name);
          excluded.add(name.toLowerCase());
        }
      }
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(statements);
}

/** Names the WITH clauses of a parse tree define. */
function cteNames(statements: unknown): Set<string> {
  const ctes = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    const cteMap = value.cte_map;
    if (isNode(cteMap) && Array.isArray(cteMap.map)) {
      for (const entry of cteMap.map as Node[]) ctes.add(String(entry.key).toLowerCase());
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(statements);
  return ctes;
}

/** A table a query reads: its dataset (schema) as written, or '' when unqualified. */
export interface TableRead {
  datasetId: string;
  tableId: string;
}

/** Tables the query reads, minus the names its WITH clauses define. */
function tablesRead(statements: unknown): TableRead[] {
  const reads: TableRead[] = [];
  const ctes = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isNode(value)) return;
    if (value.type === 'BASE_TABLE') {
      reads.push({ datasetId: String(value.schema_name ?? ''), tableId: String(value.table_name) });
    }
    const cteMap = value.cte_map;
    if (isNode(cteMap) && Array.isArray(cteMap.map)) {
      for (const entry of cteMap.map as Node[]) ctes.add(String(entry.key).toLowerCase());
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(statements);
  return reads.filter((read) => read.datasetId !== '' || !ctes.has(read.tableId.toLowerCase()));
}

const bigPrefix = '\u0000big:';

/** JSON.parse, but integers beyond 2^53 (constants, UINT64_MAX locations) survive as marked strings. */
function parseExact(text: string): unknown {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (inString) {
      out += char;
      if (char === '\\') {
        out += text[i + 1] ?? '';
        i += 1;
      } else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    const number = /[:,[]/.test(text[i - 1] ?? '')
      ? /^-?\d{16,}(?![.eE\d])/.exec(text.slice(i, i + 40))
      : null;
    if (number) {
      out += JSON.stringify(`${bigPrefix}${number[0]}`);
      i += number[0].length - 1;
      continue;
    }
    out += char;
  }
  return JSON.parse(out);
}

const stringifyExact = (value: unknown): string =>
  JSON.stringify(value).replace(/"\\u0000big:(-?\d+)"/g, '$1');

export async function rewriteSelect(
  connection: DuckDBConnection,
  sql: string,
  hidden: HiddenColumns = () => [],
): Promise<{ sql: string; tables: TableRead[] }> {
  const parsed = (
    await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteString(sql)})`)
  ).getRows()[0]?.[0];
  const tree = parseExact(String(parsed)) as {
    error: boolean;
    error_message?: string;
    position?: string;
    statements: Node[];
  };
  if (tree.error) {
    const position = tree.position === undefined ? undefined : Number(tree.position);
    throw new DuckDbSyntaxError(tree.error_message ?? 'unparseable query', position);
  }
  const statements = walk(tree.statements) as Node[];
  for (const statement of statements) nameColumns(statement);
  hidePseudoColumns(statements, hidden, cteNames(tree.statements));
  const json = stringifyExact({ ...tree, statements });
  const out = (
    await connection.runAndReadAll(`SELECT json_deserialize_sql(${quoteString(json)}::JSON)`)
  ).getRows()[0]?.[0];
  return { sql: String(out), tables: tablesRead(tree.statements) };
}

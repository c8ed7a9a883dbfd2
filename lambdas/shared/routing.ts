import { routeKey } from './dms/keys.js';
import { type SourceMapping, targetTable } from './mappings/model.js';

/** Where the loader sends the files of one source table. */
export interface Route {
  source: string;
  schema: string;
  table: string;
  dataset: string;
  targetTable: string;
  primaryKey: string[];
}

/** `<source>/<schema>/<table>` → route. Generated from mappings/ and bundled into the loader. */
export type RoutingTable = Record<string, Route>;

export function buildRoutingTable(mappings: readonly SourceMapping[]): RoutingTable {
  const routing: RoutingTable = {};
  for (const mapping of mappings) {
    for (const table of mapping.tables) {
      routing[routeKey(mapping.source, table.schema, table.table)] = {
        source: mapping.source,
        schema: table.schema,
        table: table.table,
        dataset: mapping.bigquery.dataset,
        targetTable: targetTable(table),
        primaryKey: [...table.primaryKey],
      };
    }
  }
  return routing;
}

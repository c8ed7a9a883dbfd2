import { routeKey } from './dms/keys.js';
import { type CurrentMode, currentMode, type SourceMapping, targetTable } from './mappings/model.js';

/** Where the loader sends the files of one source table. */
export interface Route {
  source: string;
  schema: string;
  table: string;
  dataset: string;
  targetTable: string;
  primaryKey: string[];
  /** `table`: the loader also streams every file's rows into the `<target>_current` CDC table. */
  current: CurrentMode;
  /** `table` mode: the mapping's `bigquery.maxStaleness` as written (`"15m"`), when set. */
  maxStaleness?: string;
  /** Present only when the mapping turns `<target>_history` off (`"history": false`). */
  history?: false;
}

/** `<source>/<schema>/<table>` → route. Generated from mappings/ and bundled into the loader. */
export type RoutingTable = Record<string, Route>;

export function buildRoutingTable(mappings: readonly SourceMapping[]): RoutingTable {
  const routing: RoutingTable = {};
  for (const mapping of mappings) {
    for (const table of mapping.tables) {
      const current = currentMode(mapping, table);
      routing[routeKey(mapping.source, table.schema, table.table)] = {
        source: mapping.source,
        schema: table.schema,
        table: table.table,
        dataset: mapping.bigquery.dataset,
        targetTable: targetTable(table),
        primaryKey: [...table.primaryKey],
        current,
        ...(current === 'table' && mapping.bigquery.maxStaleness !== undefined
          ? { maxStaleness: mapping.bigquery.maxStaleness }
          : {}),
        ...(table.history === false ? { history: false as const } : {}),
      };
    }
  }
  return routing;
}

/** Whether the route has a `<target>_history` view: every table has, unless its mapping says `"history": false`. */
export const hasHistory = (route: Route): boolean => route.history !== false;

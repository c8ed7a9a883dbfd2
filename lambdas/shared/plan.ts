import { buildReplicationSettings, buildS3Settings } from './dms/settings.js';
import { buildTableMappings, type DmsTableMappings } from './dms/table-mappings.js';
import { currentViewName, historyViewName } from './mappings/bigquery-names.js';
import { type CurrentMode, cdcMaxBatchInterval, type MappingFile } from './mappings/model.js';
import { stalenessSeconds } from './mappings/staleness.js';
import { describeBudget, loadJobBudget } from './quota.js';
import { buildRoutingTable, hasHistory } from './routing.js';
import { describeCdcCost } from './warehouse/cdc-cost.js';
import { currentTableSql } from './warehouse/current-table-ddl.js';
import { historyViewSql } from './warehouse/history-query.js';
import { currentViewSql } from './warehouse/views.js';

/** Everything one source's mapping produces, in the order a reviewer reads it. */
export interface SourcePlan {
  source: string;
  file: string;
  engine: string;
  dataset: string;
  dms: {
    replicationType: 'full-load-and-cdc';
    cdcMaxBatchIntervalSeconds: number;
    loadJobBudget: string;
    tableMappings: DmsTableMappings;
    s3Settings: ReturnType<typeof buildS3Settings>;
    replicationSettings: ReturnType<typeof buildReplicationSettings>;
  };
  tables: {
    sourceTable: string;
    changelog: string;
    primaryKey: string[];
    excludedColumns: string[];
    /** Columns DMS replaces with their SHA-256 hash (`data-masking-hash-mask`, ADR 0038). */
    hashedColumns: string[];
    /** `<target>_current`: the view, or the CDC table the loader streams every change into. */
    current: {
      name: string;
      kind: CurrentMode;
      /** `table` mode: the mapping's max_staleness as written, when set. */
      maxStaleness?: string;
      /** The view's `CREATE OR REPLACE VIEW`, or the CDC table's `CREATE TABLE`. */
      sql: string;
      /** `table` mode: what its staleness costs in BigQuery compute (ADR 0049), in words. */
      cost?: string;
    };
    /** `<target>_history`, every version of every key; absent when the mapping says `"history": false`. */
    history?: { name: string; sql: string };
  }[];
}

export function buildPlan(files: MappingFile[], projectId: string): SourcePlan[] {
  return [...files]
    .sort((a, b) => a.mapping.source.localeCompare(b.mapping.source))
    .map(({ file, mapping }) => {
      const routes = Object.values(buildRoutingTable([mapping]));
      return {
        source: mapping.source,
        file,
        engine: mapping.engine,
        dataset: mapping.bigquery.dataset,
        dms: {
          replicationType: 'full-load-and-cdc',
          cdcMaxBatchIntervalSeconds: cdcMaxBatchInterval(mapping),
          loadJobBudget: describeBudget(loadJobBudget(cdcMaxBatchInterval(mapping))),
          tableMappings: buildTableMappings(mapping),
          s3Settings: buildS3Settings(mapping),
          replicationSettings: buildReplicationSettings(mapping),
        },
        tables: routes.map((route, index) => {
          const table = mapping.tables[index];
          const cdc = route.current === 'table' && table !== undefined;
          return {
            sourceTable: `${route.schema}.${route.table}`,
            changelog: `${route.dataset}.${route.targetTable}`,
            primaryKey: route.primaryKey,
            excludedColumns: table?.excludeColumns ?? [],
            hashedColumns: table?.hashColumns ?? [],
            current: {
              name: `${route.dataset}.${currentViewName(route.targetTable)}`,
              kind: route.current,
              ...(route.maxStaleness === undefined ? {} : { maxStaleness: route.maxStaleness }),
              sql: cdc ? currentTableSql(projectId, route, table) : currentViewSql(projectId, route),
              ...(cdc
                ? {
                    cost: describeCdcCost(
                      route.maxStaleness,
                      route.maxStaleness === undefined ? undefined : stalenessSeconds(route.maxStaleness),
                    ),
                  }
                : {}),
            },
            ...(hasHistory(route)
              ? {
                  history: {
                    name: `${route.dataset}.${historyViewName(route.targetTable)}`,
                    sql: historyViewSql(projectId, route),
                  },
                }
              : {}),
          };
        }),
      };
    });
}

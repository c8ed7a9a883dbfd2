import { buildReplicationSettings, buildS3Settings } from './dms/settings.js';
import { buildTableMappings, type DmsTableMappings } from './dms/table-mappings.js';
import { currentViewName } from './mappings/bigquery-names.js';
import { cdcMaxBatchInterval, type MappingFile } from './mappings/model.js';
import { describeBudget, loadJobBudget } from './quota.js';
import { buildRoutingTable } from './routing.js';
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
    view: string;
    primaryKey: string[];
    excludedColumns: string[];
    viewSql: string;
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
        tables: routes.map((route, index) => ({
          sourceTable: `${route.schema}.${route.table}`,
          changelog: `${route.dataset}.${route.targetTable}`,
          view: `${route.dataset}.${currentViewName(route.targetTable)}`,
          primaryKey: route.primaryKey,
          excludedColumns: mapping.tables[index]?.excludeColumns ?? [],
          viewSql: currentViewSql(projectId, route),
        })),
      };
    });
}

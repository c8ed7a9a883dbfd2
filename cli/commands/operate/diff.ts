import { type Command, Option } from 'commander';
import { DiffSetupError } from '../../../lambdas/shared/diff/columns.js';
import { DiffTooLargeError } from '../../../lambdas/shared/diff/compare.js';
import { differs, diffRoute, tableMappingOf } from '../../../lambdas/shared/diff/run.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import type { SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import { MappingValidationError } from '../../../lambdas/shared/mappings/validate.js';
import { buildRoutingTable, type Route } from '../../../lambdas/shared/routing.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { diffJson, renderDiff, repairCommands } from '../../operate/diff-report.js';
import { connectDiffSource } from '../../operate/diff-source.js';
import { diffWarehouse, type WarehouseOptions } from '../../operate/diff-target.js';

interface DiffOptions extends WarehouseOptions {
  source?: string;
  table: string;
  sourceUrl?: string;
  limit: string;
  json?: boolean;
}

export const DEFAULT_DIFF_LIMIT = 10;

/** `dms2bq diff`: `_current` against the source table, key by key (docs/diff.md). */
export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .description(
      'Compare <table>_current with the source table key by key (range checksums, then bisection); exit 0 equal, 1 differ, 2 usage. Read-only on both sides (docs/diff.md).',
    )
    .requiredOption('--table <table>', '<schema>.<table> with --source, or <source>.<schema>.<table>')
    .option('--source <id>', 'the source (mapping file) of --table')
    .addOption(
      new Option(
        '--source-url <mysql://user:password@host:port>',
        'a read-only connection to the source (a replica where tables are large)',
      ).env('DMS2BQ_SOURCE_URL'),
    )
    .option('--stage <name>', 'the stage’s BigQuery project (config/<name>.json)')
    .option('--local', 'the BigQuery emulator of the running dms2bq local up')
    .option('--warehouse <file>', 'a local warehouse file (DuckDB) of the BigQuery emulator')
    .option('--bigquery-endpoint <url>', 'a BigQuery emulator at this URL')
    .option('--mappings <dir>', 'mapping files (default: mappings, or local up’s with --local)')
    .option('--limit <n>', 'keys printed per kind of difference', String(DEFAULT_DIFF_LIMIT))
    .option('--json', 'print the documented JSON shape (docs/diff.md)')
    .action(async (options: DiffOptions) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 0) {
        throw new UserError(`--limit must be a whole number ≥ 0, got "${options.limit}"`, 2);
      }
      if (!options.sourceUrl) {
        throw new UserError(
          'pass --source-url mysql://user:password@host:port (or set DMS2BQ_SOURCE_URL)',
          2,
        );
      }
      const warehouse = await diffWarehouse(options);
      try {
        const mappings = await readMappings(warehouse.mappingsDir);
        const route = findRoute(mappings, warehouse.mappingsDir, options.table, options.source);
        const source = await connectDiffSource(options.sourceUrl);
        const tableMapping = tableMappingOf(mappings, route);
        const diff = await diffRoute({
          route,
          excludeColumns: tableMapping?.excludeColumns ?? [],
          hashColumns: tableMapping?.hashColumns ?? [],
          bigquery: warehouse.bigquery,
          location: warehouse.location,
          source,
        })
          .catch((error: unknown) => {
            if (error instanceof DiffSetupError) throw new UserError(`diff: ${error.message}`, 2);
            if (error instanceof DiffTooLargeError) {
              throw new UserError(
                `diff: ${error.message}; reload it: dms2bq dms reload --stage ${options.stage ?? '<stage>'} --source ${route.source} --table ${route.schema}.${route.table}`,
              );
            }
            throw error;
          })
          .finally(() => source.close());
        output().out(
          options.json
            ? `${JSON.stringify(diffJson(diff, options.stage, limit), null, 2)}\n`
            : renderDiff(diff, options.stage, limit),
        );
        if (differs(diff.result)) {
          const count = diff.result.missing.length + diff.result.extra.length + diff.result.changed.length;
          throw new UserError(
            `diff: ${count} key(s) of ${route.schema}.${route.table} differ; repair: ${repairCommands(diff, options.stage)[0]}`,
          );
        }
      } finally {
        await warehouse.close();
      }
    });
}

async function readMappings(dir: string): Promise<SourceMapping[]> {
  const files = await loadMappingDir(dir).catch((error: unknown) => {
    if (!(error instanceof MappingValidationError)) throw error;
    throw new UserError(`the mappings in ${dir} are invalid; run dms2bq validate --mappings ${dir}`, 2);
  });
  return files.map((file) => file.mapping);
}

/** `<schema>.<table>` with `--source`, or `<source>.<schema>.<table>`. */
function findRoute(mappings: SourceMapping[], dir: string, table: string, source: string | undefined): Route {
  const parts = table.split('.');
  const [sourceId, schema, name] = parts.length === 3 ? parts : [source, parts[0], parts[1]];
  if (parts.length < 2 || parts.length > 3 || !sourceId) {
    throw new UserError(
      `--table ${table}: expected <schema>.<table> with --source <id> (e.g. --source casino_a --table game.users) or <source>.<schema>.<table>`,
      2,
    );
  }
  const route = Object.values(buildRoutingTable(mappings)).find(
    (candidate) => candidate.source === sourceId && candidate.schema === schema && candidate.table === name,
  );
  if (!route) {
    throw new UserError(
      `--table ${table}: no mapping in ${dir} routes ${sourceId} ${schema}.${name}; add it to mappings/${sourceId}.json, or pass --mappings <dir>`,
      2,
    );
  }
  return route;
}

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createBigQueryClient } from '../../../lambdas/shared/bigquery/client.js';
import { startBigQueryEmulator } from '../../../local/bigquery-emulator/index.js';
import { plainBigQueryValue } from '../../../local/pipeline/bigquery-values.js';
import { LOCAL_LOCATION, LOCAL_PROJECT_ID } from '../../../local/pipeline/local-pipeline.js';
import { UserError, usageError } from '../../errors.js';
import { oneLine } from '../../failure.js';
import { output } from '../../io.js';
import { findLocalEnvironment } from '../../local-environment.js';
import { costLine } from './query-cost.js';
import { DEFAULT_WAREHOUSE } from './warehouse-file.js';

/**
 * `dms2bq local query`. DuckDB lets one process write a file, so while `local up` holds the
 * warehouse the query goes to its emulator over the BigQuery API; otherwise it opens the file
 * itself with a short-lived emulator. Either way the SQL is BigQuery's, as the emulator translates it,
 * and the bytes it processes and would bill are printed under the rows.
 */
export function registerLocalQueryCommand(local: Command): void {
  local
    .command('query <sql>')
    .description(
      'Run BigQuery SQL against the local warehouse, e.g. "SELECT * FROM casino_a_cdc.bets_current LIMIT 5".',
    )
    .option('--warehouse <file>', 'DuckDB file of the local BigQuery', DEFAULT_WAREHOUSE)
    .option('--json', 'print rows as JSON')
    .action(async (sql: string, options: { warehouse: string; json?: boolean }) => {
      const environment = await findLocalEnvironment();
      const served = environment?.warehousePath === resolve(options.warehouse) ? environment : undefined;
      let stop = async () => {};
      let endpoint = served?.bigqueryEndpoint;
      if (!endpoint) {
        const exists = await stat(options.warehouse).then(
          () => true,
          () => false,
        );
        if (!exists)
          throw usageError(
            `${options.warehouse}: no local warehouse yet; run npm start, dms2bq local load or dms2bq local up first`,
          );
        const emulator = await startBigQueryEmulator({
          port: 0,
          dbPath: options.warehouse,
          projectId: LOCAL_PROJECT_ID,
        });
        endpoint = emulator.url;
        stop = () => emulator.stop();
      }
      try {
        const bigquery = createBigQueryClient({
          projectId: LOCAL_PROJECT_ID,
          location: LOCAL_LOCATION,
          credentials: { kind: 'none' },
          apiEndpoint: endpoint,
        });
        const failed = (error: Error) => {
          throw new UserError(`query failed: ${oneLine(error.message)}`);
        };
        const [job] = await bigquery.createQueryJob({ query: sql }).catch(failed);
        const [rows] = await job.getQueryResults().catch(failed);
        const [metadata] = await job.getMetadata();
        const plain = (rows as Record<string, unknown>[]).map((row) =>
          Object.fromEntries(Object.entries(row).map(([name, value]) => [name, plainBigQueryValue(value)])),
        );
        // Under the result, as the console shows it; with --json on stderr, keeping stdout JSON.
        const cost = costLine(metadata.statistics?.query ?? {});
        if (options.json) {
          output().out(`${JSON.stringify(plain, null, 2)}\n`);
          output().err(cost);
        } else output().out(`${renderRows(plain)}${cost}`);
      } finally {
        await stop();
      }
    });
}

function renderRows(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const columns = Object.keys(rows[0] ?? {});
  const cell = (value: unknown) =>
    value === null ? 'NULL' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const widths = columns.map((c) => Math.min(40, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (values: string[]) => values.map((v, i) => v.slice(0, 40).padEnd(widths[i] ?? 0)).join(' | ');
  return `${[line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n')}\n(${rows.length} rows)\n`;
}

import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createBigQueryClient } from '../../../lambdas/shared/bigquery/client.js';
import { startBigQueryEmulator } from '../../../local/bigquery-emulator/index.js';
import { plainBigQueryValue } from '../../../local/pipeline/bigquery-values.js';
import { LOCAL_LOCATION, LOCAL_PROJECT_ID } from '../../../local/pipeline/local-pipeline.js';
import { problemError, usageError } from '../../errors.js';
import { describeFailure, oneLine } from '../../failure.js';
import { output } from '../../io.js';
import { findLocalEnvironment } from '../../local-environment.js';
import { costLine } from './query-cost.js';
import { runQueryPrompt } from './query-prompt.js';
import { renderRows } from './query-table.js';
import { DEFAULT_WAREHOUSE } from './warehouse-file.js';

interface QueryOptions {
  warehouse: string;
  json?: boolean;
  wide?: boolean;
}

/**
 * `dms2bq local query`. DuckDB lets one process write a file, so while `local up` holds the
 * warehouse the query goes to its emulator over the BigQuery API; otherwise it opens the file
 * itself with a short-lived emulator. Either way the SQL is BigQuery's, as the emulator translates it,
 * and the bytes it processes and would bill are printed under the rows. Without SQL it opens a prompt.
 */
export function registerLocalQueryCommand(local: Command): void {
  local
    .command('query [sql]')
    .description(
      'Run BigQuery SQL against the local warehouse, e.g. "SELECT * FROM casino_a_cdc.bets_current LIMIT 5"; without SQL, an interactive prompt.',
    )
    .option('--warehouse <file>', 'DuckDB file of the local BigQuery', DEFAULT_WAREHOUSE)
    .option('--json', 'print rows as JSON')
    .option('--wide', 'show every value whole (otherwise values longer than 40 characters end in …)')
    .action(async (sql: string | undefined, options: QueryOptions) => {
      const session = await openSession(options.warehouse);
      try {
        if (sql !== undefined) {
          const result = await session.query(sql);
          if (options.json) {
            output().out(`${JSON.stringify(result.rows, null, 2)}\n`);
            output().err(result.cost);
          } else output().out(`${renderRows(result.rows, options.wide)}${result.cost}`);
          return;
        }
        await runQueryPrompt({
          input: process.stdin,
          output: process.stdout,
          run: async (statement) => {
            const result = await session.query(statement);
            return options.json
              ? `${JSON.stringify(result.rows, null, 2)}\n${result.cost}`
              : `${renderRows(result.rows, options.wide)}${result.cost}`;
          },
          describe: (error) => describeFailure(error).line,
          historyFile: join(dirname(resolve(options.warehouse)), 'query-history'),
        });
      } finally {
        await session.close();
      }
    });
}

interface QuerySession {
  query(sql: string): Promise<{ rows: Record<string, unknown>[]; cost: string }>;
  close(): Promise<void>;
}

/** The running `local up`'s emulator when it serves this warehouse, else one started on the file. */
async function openSession(warehouse: string): Promise<QuerySession> {
  const environment = await findLocalEnvironment();
  const served = environment?.warehousePath === resolve(warehouse) ? environment : undefined;
  let close = async () => {};
  let endpoint = served?.bigqueryEndpoint;
  if (!endpoint) {
    const exists = await stat(warehouse).then(
      () => true,
      () => false,
    );
    if (!exists)
      throw usageError(
        `${warehouse}: no local warehouse yet; run npm start, dms2bq local load or dms2bq local up first`,
      );
    const emulator = await startBigQueryEmulator({ port: 0, dbPath: warehouse, projectId: LOCAL_PROJECT_ID });
    endpoint = emulator.url;
    close = () => emulator.stop();
  }
  const bigquery = createBigQueryClient({
    projectId: LOCAL_PROJECT_ID,
    location: LOCAL_LOCATION,
    credentials: { kind: 'none' },
    apiEndpoint: endpoint,
  });
  const failed = (error: Error) => {
    throw problemError(`query failed: ${oneLine(error.message)}`);
  };
  return {
    close,
    query: async (sql) => {
      const [job] = await bigquery.createQueryJob({ query: sql }).catch(failed);
      const [rows] = await job.getQueryResults().catch(failed);
      const [metadata] = await job.getMetadata();
      const plain = (rows as Record<string, unknown>[]).map((row) =>
        Object.fromEntries(Object.entries(row).map(([name, value]) => [name, plainBigQueryValue(value)])),
      );
      // Under the result, as the console shows it; with --json on stderr, keeping stdout JSON.
      return { rows: plain, cost: costLine(metadata.statistics?.query ?? {}) };
    },
  };
}

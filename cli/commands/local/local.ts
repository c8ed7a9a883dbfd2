import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { createBigQueryClient } from '../../../lambdas/shared/bigquery/client.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { startBigQueryEmulator } from '../../../local/bigquery-emulator/index.js';
import { plainBigQueryValue } from '../../../local/pipeline/bigquery-values.js';
import {
  LOCAL_LOCATION,
  LOCAL_PROJECT_ID,
  startLocalPipeline,
} from '../../../local/pipeline/local-pipeline.js';
import { renderSummary } from '../../../local/pipeline/summary.js';
import { listTree, uploadTree } from '../../../local/pipeline/upload.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';

const DEFAULT_WAREHOUSE = '.local/warehouse.duckdb';

interface LoadOptions {
  mappings: string;
  warehouse: string;
  deliveries: string;
  json?: boolean;
}

export function registerLocalCommand(program: Command): void {
  const local = program
    .command('local')
    .description('Run the pipeline on this machine, no AWS or Google account.');
  local
    .command('load <dir>')
    .description(
      'Load a folder of DMS output laid out as in S3 (<source>/<schema>/<table>/…) through the real loader.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option('--warehouse <file>', 'DuckDB file of the local BigQuery', DEFAULT_WAREHOUSE)
    .option('--deliveries <n>', 'announce every file this many times (at-least-once delivery)', '1')
    .option('--json', 'print { files, loaded, duplicates, failed, rowsByTable } as JSON')
    .action(async (dir: string, options: LoadOptions) => {
      const deliveries = Number(options.deliveries);
      if (!Number.isInteger(deliveries) || deliveries < 1 || deliveries > 10) {
        throw new UserError(`--deliveries ${options.deliveries}: give a whole number from 1 to 10`, 2);
      }
      const isDir = await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDir)
        throw new UserError(
          `${dir}: not a directory; give the folder that holds <source>/<schema>/<table>/…`,
        );
      const mappings = await loadMappingDir(options.mappings);
      const keys = await listTree(dir);
      await mkdir(dirname(options.warehouse), { recursive: true });
      const pipeline = await startLocalPipeline({
        mappings,
        warehousePath: options.warehouse,
        notifier: { deliveries, testEvent: false },
        // A file that cannot load reaches the DLQ after maxReceiveCount tries: keep that short here.
        visibilityTimeoutSeconds: 2,
      });
      try {
        const { summary, viewsApplied } = await pipeline.loadAll(async () => {
          await uploadTree(pipeline.aws.s3, pipeline.aws.bucket, dir, keys);
          return keys.filter((key) => key.endsWith('.parquet')).length;
        });
        output().out(
          options.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, [], viewsApplied),
        );
        if (summary.failed.length > 0) throw new UserError(`${summary.failed.length} file(s) failed to load`);
      } finally {
        await pipeline.stop();
      }
    });

  local
    .command('query <sql>')
    .description(
      'Run BigQuery SQL against the local warehouse, e.g. "SELECT * FROM casino_a_cdc.bets_current LIMIT 5".',
    )
    .option('--warehouse <file>', 'DuckDB file of the local BigQuery', DEFAULT_WAREHOUSE)
    .option('--json', 'print rows as JSON')
    .action(async (sql: string, options: { warehouse: string; json?: boolean }) => {
      const exists = await stat(options.warehouse).then(
        () => true,
        () => false,
      );
      if (!exists)
        throw new UserError(
          `${options.warehouse}: no local warehouse yet; run npm start or dms2bq local load first`,
        );
      const emulator = await startBigQueryEmulator({
        port: 0,
        dbPath: options.warehouse,
        projectId: LOCAL_PROJECT_ID,
      });
      try {
        const bigquery = createBigQueryClient({
          projectId: LOCAL_PROJECT_ID,
          location: LOCAL_LOCATION,
          credentials: { kind: 'none' },
          apiEndpoint: emulator.url,
        });
        const [rows] = await bigquery
          .query({ query: sql, defaultDataset: undefined })
          .catch((error: Error) => {
            throw new UserError(`query failed: ${error.message}`);
          });
        const plain = (rows as Record<string, unknown>[]).map((row) =>
          Object.fromEntries(Object.entries(row).map(([name, value]) => [name, plainBigQueryValue(value)])),
        );
        output().out(options.json ? `${JSON.stringify(plain, null, 2)}\n` : renderRows(plain));
      } finally {
        await emulator.stop();
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

import type { Command } from 'commander';
import { DMS_MASKING_MIN_ENGINE_VERSION } from '../../../lambdas/shared/dms/hash-mask.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { formatProblem } from '../../../lambdas/shared/mappings/problem.js';
import { MappingValidationError } from '../../../lambdas/shared/mappings/validate.js';
import { buildPlan, type SourcePlan } from '../../../lambdas/shared/plan.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { DEFAULT_MAPPINGS_DIR } from './validate.js';

export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'Show what the mappings produce: DMS rules and settings, BigQuery tables, views and CDC tables.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option('--project <id>', 'GCP project shown in the SQL', '{project}')
    .option('--json', 'machine-readable output')
    .action(async (options: { mappings: string; project: string; json?: boolean }) => {
      const mappings = await loadMappingDir(options.mappings).catch((error: unknown) => {
        if (!(error instanceof MappingValidationError)) throw error;
        for (const problem of error.problems) output().err(`${formatProblem(problem)}\n`);
        throw new UserError('the mappings are invalid; run dms2bq validate and fix the problems above.');
      });
      const plan = buildPlan(mappings, options.project);
      output().out(options.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    });
}

const json = (value: unknown): string =>
  JSON.stringify(value, null, 2)
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

function renderPlan(plan: SourcePlan[]): string {
  const lines: string[] = [];
  for (const source of plan) {
    lines.push(
      `# Source ${source.source} (${source.engine}, ${source.file}) → BigQuery dataset ${source.dataset}`,
      '',
    );
    lines.push('## BigQuery objects');
    for (const table of source.tables) {
      const excluded = table.excludedColumns.length
        ? `; DMS removes ${table.excludedColumns.join(', ')}`
        : '';
      const hashed = table.hashedColumns.length
        ? `; DMS hashes ${table.hashedColumns.join(', ')} (SHA-256, data-masking-hash-mask, engine ${DMS_MASKING_MIN_ENGINE_VERSION}+)`
        : '';
      lines.push(
        `- ${table.sourceTable} → ${table.changelog} (changelog, ingestion-day partitions, clustered by ${table.primaryKey.join(', ')}) and ${describeCurrent(table)}${describeHistory(table)}${excluded}${hashed}`,
      );
    }
    lines.push('', '## DMS');
    lines.push(
      `- ${source.dms.replicationType} replication task on the stage's DMS instance (config/<stage>.json dms), a CDC file per table at most every ${source.dms.cdcMaxBatchIntervalSeconds} s`,
    );
    lines.push(`- load-job budget: ${source.dms.loadJobBudget}`);
    lines.push('- table mapping:', json(source.dms.tableMappings));
    lines.push('- S3 target settings (bucket and role added by the stack):', json(source.dms.s3Settings));
    lines.push('- replication settings:', json(source.dms.replicationSettings));
    lines.push('', '## Current state (<table>_current)');
    for (const table of source.tables) lines.push('```sql', `${table.current.sql};`, '```');
    const costs = source.tables.flatMap((table) =>
      table.current.cost ? [`- ${table.current.name}: ${table.current.cost}`] : [],
    );
    if (costs.length > 0) {
      lines.push(
        '',
        '## CDC tables: BigQuery compute besides storage and Storage Write API ingestion (ADR 0049, docs/deploy.md)',
        ...costs,
      );
    }
    const histories = source.tables.flatMap((table) => (table.history ? [table.history] : []));
    if (histories.length > 0) {
      lines.push('', '## History (<table>_history, every version of every key; a view over the changelog)');
      for (const history of histories) lines.push('```sql', `${history.sql};`, '```');
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}

function describeCurrent(table: SourcePlan['tables'][number]): string {
  const key = table.primaryKey.join(', ');
  const { name, kind, maxStaleness } = table.current;
  if (kind === 'view') return `${name} (view, latest row per ${key})`;
  const staleness = maxStaleness === undefined ? 'no max_staleness' : `max_staleness ${maxStaleness}`;
  return `${name} (CDC table, primary key ${key} NOT ENFORCED, ${staleness}; the loader streams every change into it)`;
}

function describeHistory(table: SourcePlan['tables'][number]): string {
  return table.history
    ? `, ${table.history.name} (view, every version per key)`
    : ', no history view ("history": false)';
}

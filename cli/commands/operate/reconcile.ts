import { type Command, Option } from 'commander';
import { DEFAULT_SETTLE_MS, reconcileTables } from '../../../lambdas/shared/reconcile/reconcile.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { connectMysqlRowCounter } from '../../operate/mysql-row-count.js';
import { diffFailed, diffRoutes, diffsJson, renderDiffs } from '../../operate/reconcile-diff.js';
import { reconciliationJson, renderReconciliation, tableProblem } from '../../operate/reconcile-report.js';
import { resolveTarget, type TargetOptions, withTargetOptions } from '../../operate/target.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';
import { DEFAULT_DIFF_LIMIT } from './diff.js';

interface ReconcileOptions extends TargetOptions {
  json?: boolean;
  sourceUrl?: string;
  settleMinutes: string;
}

export function registerReconcileCommand(program: Command): void {
  const command = program
    .command('reconcile')
    .description(
      'Per table: DMS’s table statistics against the changelog’s rows by Op, and _current against the source. Exit 1 when a table drifts.',
    );
  withTargetOptions(command, DEFAULT_MAPPINGS_DIR)
    .addOption(
      new Option(
        '--settle-minutes <n>',
        'a shortfall counts as drift once DMS has counted nothing new for this long',
      ).default(String(DEFAULT_SETTLE_MS / 60_000)),
    )
    .addOption(
      new Option(
        '--source-url <mysql://user:password@host:port>',
        'with --stage and --source: a read-only connection to compare _current with the source, by row count and key by key (dms2bq diff)',
      ).env('DMS2BQ_SOURCE_URL'),
    )
    .option('--json', 'print the documented JSON shape (docs/reconciliation.md)')
    .action(async (options: ReconcileOptions) => {
      const settleMinutes = Number(options.settleMinutes);
      if (!Number.isFinite(settleMinutes) || settleMinutes < 0)
        throw new UserError(`--settle-minutes must be a number ≥ 0, got "${options.settleMinutes}"`, 2);
      if (options.sourceUrl && (!options.stage || !options.source)) {
        throw new UserError('--source-url needs --stage and --source: one source database at a time', 2);
      }
      const target = await resolveTarget(options);
      const counter = options.sourceUrl ? await connectMysqlRowCounter(options.sourceUrl) : undefined;
      const sourceRows = counter?.count ?? target.sourceRows;
      const now = new Date();
      const tables = await reconcileTables({
        routes: target.routes,
        statistics: target.statistics,
        bigquery: target.bigquery,
        projectId: target.projectId,
        now,
        settleMs: settleMinutes * 60_000,
        ...(sourceRows ? { sourceRows } : {}),
        ...(target.currentSinceFullLoad && !counter ? { currentSinceFullLoad: true } : {}),
      }).finally(() => counter?.close());
      // The key-level comparison runs after the counts, over its own read-only session (docs/diff.md).
      const diffs = options.sourceUrl
        ? await diffRoutes({
            routes: target.routes,
            bigquery: target.bigquery,
            mappingsDir: options.mappings,
            sourceUrl: options.sourceUrl,
          })
        : undefined;
      output().out(
        options.json
          ? `${JSON.stringify(
              {
                ...reconciliationJson(tables, target.label, now),
                ...(diffs ? { diffs: diffsJson(diffs, options.stage, DEFAULT_DIFF_LIMIT) } : {}),
              },
              null,
              2,
            )}\n`
          : renderReconciliation(tables, target.label) +
              (diffs ? renderDiffs(diffs, options.stage, DEFAULT_DIFF_LIMIT) : ''),
      );
      const drifting = tables.filter((table) => table.drifting).length;
      const differing = diffs?.filter(diffFailed).length ?? 0;
      // Not only what the alarm counts: any surplus or shortfall is a problem to look at (ADR 0056).
      const unsettled = tables.filter((table) => !table.drifting && tableProblem(table)).length;
      const problems = [
        ...(drifting > 0 ? [`${drifting} table(s) drifting; see docs/runbooks/reconciliation-drift.md`] : []),
        ...(unsettled > 0
          ? [`${unsettled} table(s) with a surplus, a shortfall or no statistics; see the VERDICT column`]
          : []),
        ...(differing > 0
          ? [`${differing} table(s) differ from the source key by key; see docs/diff.md`]
          : []),
      ];
      if (problems.length > 0) throw new UserError(`reconcile: ${problems.join('; ')}`);
    });
}

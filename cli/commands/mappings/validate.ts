import type { Command } from 'commander';
import { changesDmsCannotApply } from '../../../lambdas/shared/mappings/in-place.js';
import { loadMappingDir, readMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { formatProblem } from '../../../lambdas/shared/mappings/problem.js';
import { validateDocuments } from '../../../lambdas/shared/mappings/validate.js';
import { describeProjectBudget, projectName } from '../../../lambdas/shared/quota.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';
import { projectBudget } from './project-quota.js';

export const DEFAULT_MAPPINGS_DIR = 'mappings';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'Check every mappings/<source>.json: schema, names, keys, DMS limits, BigQuery load-job quota.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option(
      '--base <dir>',
      'the deployed mapping files (e.g. a checkout of main): refuse changes DMS cannot apply to a running task',
    )
    .option(
      '--stage <name>',
      "count every stage of --config that deploys to this stage's GCP project against its load-job quota",
    )
    .option('--config <dir>', 'directory of stage configs (<stage>.json)', 'config')
    .action(async (options: { mappings: string; base?: string; stage?: string; config: string }) => {
      const documents = await readMappingDir(options.mappings);
      const { mappings, problems, warnings } = validateDocuments(documents);
      // Warnings go to stderr and never change the exit code: they name a risk, not an error.
      for (const warning of warnings)
        output().err(`warning: ${formatProblem(warning)}
`);
      if (options.base !== undefined && problems.length === 0) {
        problems.push(
          ...changesDmsCannotApply(
            await loadMappingDir(options.base),
            await loadMappingDir(options.mappings),
          ),
        );
      }
      if (problems.length > 0) {
        for (const problem of problems) output().err(`${formatProblem(problem)}\n`);
        const files = new Set(problems.map((problem) => problem.file)).size;
        throw new UserError(
          `${problems.length} problem(s) in ${files} file(s); nothing is deployable until fixed.`,
        );
      }
      const budget = await projectBudget(
        mappings.map((file) => file.mapping),
        { configDir: options.config, ...(options.stage ? { stage: options.stage } : {}) },
      );
      const arithmetic = describeProjectBudget(budget).join('\n');
      if (!budget.withinGuard) {
        output().err(`${arithmetic}\n`);
        throw new UserError(
          `the worst case of ${budget.worstCase.toLocaleString('en-US')} load jobs a day is over 90 % of the 100,000 of ${projectName(budget)}: lengthen cdcMaxBatchIntervalSeconds, or deploy some sources to another project (ADR 0004).`,
        );
      }
      output().out(`${documents.length} mapping file(s) in ${options.mappings} are valid.\n${arithmetic}\n`);
    });
}

import type { Command } from 'commander';
import { readMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { formatProblem } from '../../../lambdas/shared/mappings/problem.js';
import { validateDocuments } from '../../../lambdas/shared/mappings/validate.js';
import { UserError } from '../../errors.js';
import { output } from '../../io.js';

export const DEFAULT_MAPPINGS_DIR = 'mappings';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(
      'Check every mappings/<source>.json: schema, names, keys, DMS limits, BigQuery load-job quota.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .action(async (options: { mappings: string }) => {
      const documents = await readMappingDir(options.mappings);
      const { problems, warnings } = validateDocuments(documents);
      // Warnings go to stderr and never change the exit code: they name a risk, not an error.
      for (const warning of warnings) output().err(`warning: ${formatProblem(warning)}\n`);
      if (problems.length > 0) {
        for (const problem of problems) output().err(`${formatProblem(problem)}\n`);
        const files = new Set(problems.map((problem) => problem.file)).size;
        throw new UserError(
          `${problems.length} problem(s) in ${files} file(s); nothing is deployable until fixed.`,
        );
      }
      output().out(`${documents.length} mapping file(s) in ${options.mappings} are valid.\n`);
    });
}

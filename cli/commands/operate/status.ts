import type { Command } from 'commander';
import { loadStageConfig } from '../../../infra/config.js';
import { problemError } from '../../errors.js';
import { output } from '../../io.js';
import { collectStatus } from '../../operate/status/collect.js';
import { renderStatus, statusJson } from '../../operate/status/render.js';
import { resolveTarget, type TargetOptions, withTargetOptions } from '../../operate/target.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';

interface StatusOptions extends TargetOptions {
  json?: boolean;
}

/** The local environment has no stage config; the shipped default SLO applies. */
const DEFAULT_FRESHNESS_SLO_MINUTES = 10;

export function registerStatusCommand(program: Command): void {
  const command = program
    .command('status')
    .description(
      'One row per table: DMS task and table statistics, newest file landed and loaded, freshness, load jobs in 24 h, DLQ and alarms; problems first.',
    );
  withTargetOptions(command, DEFAULT_MAPPINGS_DIR)
    .option('--json', 'print the documented JSON shape (docs/operations.md)')
    .action(async (options: StatusOptions) => {
      const target = await resolveTarget(options);
      const sloMinutes = options.stage
        ? loadStageConfig(options.stage).alarms.freshnessSloMinutes
        : DEFAULT_FRESHNESS_SLO_MINUTES;
      const status = await collectStatus(target, { now: new Date(), freshnessSloMs: sloMinutes * 60_000 });
      output().out(options.json ? `${JSON.stringify(statusJson(status), null, 2)}\n` : renderStatus(status));
      // A stale table, a DLQ message or an alarm is a problem found: exit 1 (docs/operations.md#exit-codes).
      const troubled = status.tables.filter((table) => table.problems.length > 0).length;
      if (troubled > 0 || status.deadLetterDepth > 0 || status.alarms.length > 0) {
        throw problemError(
          `status: ${troubled} of ${status.tables.length} table(s) need attention, ${status.deadLetterDepth} DLQ message(s), ${status.alarms.length} alarm(s) (${status.target}); see PROBLEMS`,
        );
      }
    });
}

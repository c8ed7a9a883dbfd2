import type { Command } from 'commander';
import { loadStageConfig } from '../../../infra/config.js';
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
    });
}

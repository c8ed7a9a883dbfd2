import { registerBigQueryEmulatorCommand } from './commands/bigquery-emulator.js';
import { registerDmsCommand } from './commands/dms.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerValidateCommand } from './commands/validate.js';
import { type RegisterCommand, runCli } from './program.js';

/** Every `dms2bq` command; each lives in ./commands. */
const commandModules: RegisterCommand[] = [
  registerSimulateCommand,
  registerValidateCommand,
  registerPlanCommand,
  registerReplayCommand,
  registerDmsCommand,
  registerBigQueryEmulatorCommand,
];

process.exitCode = await runCli(process.argv.slice(2), commandModules);

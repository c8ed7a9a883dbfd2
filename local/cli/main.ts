import { registerBigQueryEmulatorCommand } from './commands/bigquery-emulator.js';
import { registerDmsCommand } from './commands/dms.js';
import { registerLocalCommand } from './commands/local.js';
import { registerPlanCommand } from './commands/plan.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerWarehouseCommand } from './commands/warehouse.js';
import { type RegisterCommand, runCli } from './program.js';

/** Every `dms2bq` command; each lives in ./commands. */
const commandModules: RegisterCommand[] = [
  registerSimulateCommand,
  registerValidateCommand,
  registerPlanCommand,
  registerReplayCommand,
  registerDmsCommand,
  registerBigQueryEmulatorCommand,
  registerWarehouseCommand,
  registerLocalCommand,
];

process.exitCode = await runCli(process.argv.slice(2), commandModules);

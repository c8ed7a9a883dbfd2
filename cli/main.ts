import { registerBigQueryEmulatorCommand } from './commands/local/bigquery-emulator.js';
import { registerLocalCommand } from './commands/local/local.js';
import { registerSimulateCommand } from './commands/local/simulate.js';
import { registerPlanCommand } from './commands/mappings/plan.js';
import { registerValidateCommand } from './commands/mappings/validate.js';
import { registerDmsCommand } from './commands/operate/dms.js';
import { registerReconcileCommand } from './commands/operate/reconcile.js';
import { registerReplayCommand } from './commands/operate/replay.js';
import { registerStatusCommand } from './commands/operate/status.js';
import { registerWarehouseCommand } from './commands/operate/warehouse.js';
import { type RegisterCommand, runCli } from './program.js';

/** Every `dms2bq` command; each lives in ./commands/<what it acts on>. */
const commandModules: RegisterCommand[] = [
  registerSimulateCommand,
  registerValidateCommand,
  registerPlanCommand,
  registerReplayCommand,
  registerDmsCommand,
  registerBigQueryEmulatorCommand,
  registerWarehouseCommand,
  registerReconcileCommand,
  registerStatusCommand,
  registerLocalCommand,
];

process.exitCode = await runCli(process.argv.slice(2), commandModules);

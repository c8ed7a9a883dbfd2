import { registerBigQueryEmulatorCommand } from './commands/local/bigquery-emulator.js';
import { registerLocalCommand } from './commands/local/local.js';
import { registerSimulateCommand } from './commands/local/simulate.js';
import { registerPlanCommand } from './commands/mappings/plan.js';
import { registerValidateCommand } from './commands/mappings/validate.js';
import { registerDmsCommand } from './commands/operate/dms.js';
import { registerReplayCommand } from './commands/operate/replay.js';
import { registerWarehouseCommand } from './commands/operate/warehouse.js';
import { type RegisterCommand, runCli } from './program.js';
import { installWarningPrinter } from './warnings.js';

/** Every `dms2bq` command; each lives in ./commands/<what it acts on>. */
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

installWarningPrinter((text) => process.stderr.write(text));
process.exitCode = await runCli(process.argv.slice(2), commandModules);

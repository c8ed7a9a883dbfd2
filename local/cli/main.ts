import { registerPlanCommand } from './commands/plan.js';
import { registerValidateCommand } from './commands/validate.js';
import { type RegisterCommand, runCli } from './program.js';

/** Every `dms2bq` command; each lives in ./commands. */
const commandModules: RegisterCommand[] = [registerValidateCommand, registerPlanCommand];

process.exitCode = await runCli(process.argv.slice(2), commandModules);

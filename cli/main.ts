import { commandModules } from './commands/index.js';
import { runCli } from './program.js';
import { installWarningPrinter } from './warnings.js';

installWarningPrinter((text) => process.stderr.write(text));
process.exitCode = await runCli(process.argv.slice(2), commandModules);

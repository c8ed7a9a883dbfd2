import { Command, CommanderError } from 'commander';
import { UserError } from './errors.js';

/**
 * `dms2bq`: exit 0 on success, 1 when the command ran and found problems (or failed on user input),
 * 2 for usage errors. Each command lives in ./commands and registers itself here.
 */
const program = new Command('dms2bq')
  .description('Replicate MySQL/Aurora changes captured by AWS DMS into BigQuery.')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

const commandModules: ((program: Command) => void)[] = [];
for (const register of commandModules) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
  } else if (error instanceof UserError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    throw error;
  }
}

import { Command, CommanderError } from 'commander';
import { MappingLoadError } from '../lambdas/shared/mappings/load.js';
import { UserError } from './errors.js';
import { type CliOutput, output, processOutput, setOutput } from './io.js';

export type RegisterCommand = (program: Command) => void;

/**
 * Runs `dms2bq` with the given commands. Exit code 0 on success, 1 when the command found problems
 * or the user's input is wrong (one line, no stack trace), 2 for usage errors.
 */
export async function runCli(
  argv: string[],
  commands: readonly RegisterCommand[],
  io: CliOutput = processOutput,
): Promise<number> {
  setOutput(io);
  const program = new Command('dms2bq')
    .description('Replicate MySQL/Aurora changes captured by AWS DMS into BigQuery.')
    .exitOverride()
    .showHelpAfterError('(run dms2bq --help for usage)')
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) });
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    if (error instanceof UserError || error instanceof MappingLoadError) {
      output().err(`${error.message}\n`);
      return error instanceof UserError ? error.exitCode : 1;
    }
    throw error;
  } finally {
    setOutput(processOutput);
  }
  return 0;
}

import { Command, CommanderError } from 'commander';
import { DEBUG_ENV, describeFailure, oneLine } from './failure.js';
import { type CliOutput, output, processOutput, setOutput } from './io.js';

export type RegisterCommand = (program: Command) => void;

/**
 * Runs `dms2bq` with the given commands. Exit code 0 on success, 1 when the command found problems,
 * the input is wrong or something it needs is missing (one line, no stack trace unless
 * DMS2BQ_DEBUG=1), 2 for usage errors.
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
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      // Commander's usage errors, kept to one line with where to look.
      outputError: (text, write) => write(`${oneLine(text)} (run dms2bq --help for usage)\n`),
    });
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const failure = describeFailure(error);
    output().err(`${failure.line}\n`);
    if (process.env[DEBUG_ENV] === '1' && error instanceof Error) output().err(`${error.stack ?? ''}\n`);
    return failure.exitCode;
  } finally {
    setOutput(processOutput);
  }
  return 0;
}

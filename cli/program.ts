import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT } from './errors.js';
import { DEBUG_ENV, describeFailure, oneLine } from './failure.js';
import { type CliOutput, output, processOutput, setOutput } from './io.js';

export type RegisterCommand = (program: Command) => void;

/** The version in package.json, which `dms2bq --version` prints. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Runs `dms2bq` with the given commands. Exit codes (docs/operations.md#exit-codes): 0 all good; 1 a
 * problem found or an operation failed; 2 usage or environment. A failure is one line naming the
 * fix, no stack trace unless DMS2BQ_DEBUG=1.
 */
export async function runCli(
  argv: string[],
  commands: readonly RegisterCommand[],
  io: CliOutput = processOutput,
): Promise<number> {
  setOutput(io);
  const program = new Command('dms2bq')
    .description('Replicate MySQL/Aurora changes captured by AWS DMS into BigQuery.')
    .version(VERSION, '-V, --version', 'print the version of dms2bq')
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
      const done = ['commander.helpDisplayed', 'commander.version'];
      return done.includes(error.code) ? EXIT.ok : EXIT.usage;
    }
    const failure = describeFailure(error);
    output().err(`${failure.line}\n`);
    if (process.env[DEBUG_ENV] === '1' && error instanceof Error) output().err(`${error.stack ?? ''}\n`);
    return failure.exitCode;
  } finally {
    setOutput(processOutput);
  }
  return EXIT.ok;
}

import { type RegisterCommand, runCli } from '../../cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dms2bq` in-process with the given commands and captures what it prints. */
export async function runDms2bq(commands: readonly RegisterCommand[], argv: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, commands, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

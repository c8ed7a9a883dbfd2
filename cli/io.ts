/** Where commands write. `runCli` swaps these so tests can run the CLI in-process. */
export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

export const processOutput: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

let current: CliOutput = processOutput;

export const output = (): CliOutput => current;

export function setOutput(next: CliOutput): void {
  current = next;
}

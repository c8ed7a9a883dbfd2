import { appendFile, readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

export interface PromptOptions {
  input: Readable;
  output: Writable;
  /** Runs one statement and returns what to print (the table and the cost line). */
  run(sql: string): Promise<string>;
  /** One line for a statement that failed; the prompt goes on. */
  describe(error: unknown): string;
  /** Where earlier sessions' statements are kept for the up arrow; none when undefined. */
  historyFile?: string;
}

/**
 * `local query` without SQL: a prompt against one warehouse, kept open so each statement costs a
 * round trip, not a start-up. A statement may span lines and ends with `;`; `\q` (or Ctrl-D) quits;
 * the up arrow recalls earlier statements, this session's and those of `historyFile`.
 */
export async function runQueryPrompt(options: PromptOptions): Promise<void> {
  const history = options.historyFile ? await readHistory(options.historyFile) : [];
  const terminal = (options.output as { isTTY?: boolean }).isTTY === true;
  const lines = createInterface({
    input: options.input,
    output: options.output,
    terminal,
    history,
    historySize: 1000,
  });
  // The input may end (Ctrl-D, a piped script) while a statement runs; Node 24 throws on a prompt
  // after that ("readline was closed"), Node 20 ignored it.
  let closed = false;
  lines.once('close', () => {
    closed = true;
  });
  const prompt = (continued: boolean) => {
    if (closed) return;
    lines.setPrompt(continued ? '     -> ' : 'dms2bq> ');
    lines.prompt();
  };
  options.output.write('BigQuery SQL on the local warehouse; end a statement with ;  \\q quits\n');
  let pending: string[] = [];
  prompt(false);
  for await (const line of lines) {
    const text = line.trim();
    if (pending.length === 0 && (text === '\\q' || text === 'quit' || text === 'exit')) break;
    if (text !== '') pending.push(line);
    if (!text.endsWith(';')) {
      prompt(pending.length > 0);
      continue;
    }
    const statement = pending
      .join('\n')
      .trim()
      .replace(/;+\s*$/, '');
    pending = [];
    if (statement !== '') {
      if (options.historyFile)
        await appendFile(options.historyFile, `${statement.replace(/\s*\n\s*/g, ' ')}\n`);
      try {
        options.output.write(await options.run(statement));
      } catch (error) {
        options.output.write(`${options.describe(error)}\n`);
      }
    }
    prompt(false);
  }
  lines.close();
}

/** Newest first, as readline wants its history. */
async function readHistory(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).reverse().slice(0, 1000);
}

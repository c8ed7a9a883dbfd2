import { output, processOutput } from './io.js';

export type Tone = 'bad' | 'warn' | 'good' | 'plain';

export interface Cell {
  text: string;
  tone?: Tone;
}

const COLOURS: Record<Tone, string> = {
  bad: '\u001b[31m',
  warn: '\u001b[33m',
  good: '\u001b[32m',
  plain: '',
};
const RESET = '\u001b[0m';

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(): boolean {
  return output() === processOutput && process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '';
}

/** Aligned columns separated by two spaces; numbers (cells that look numeric) right-aligned. */
export function renderTable(header: string[], rows: Cell[][], colour = useColour()): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.text.length ?? 0)),
  );
  const numeric = header.map(
    (_, column) => rows.length > 0 && rows.every((row) => /^[-+≥]?[\d,. %/]*$/.test(row[column]?.text ?? '')),
  );
  const line = (cells: Cell[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const padded = numeric[column] ? cell.text.padStart(width) : cell.text.padEnd(width);
        return colour && cell.tone && cell.tone !== 'plain'
          ? `${COLOURS[cell.tone]}${padded}${RESET}`
          : padded;
      })
      .join('  ')
      .trimEnd();
  return `${[line(header.map((text) => ({ text }))), ...rows.map(line)].join('\n')}\n`;
}

export const count = (value: number): string => value.toLocaleString('en-US');

/** `42 s`, `3 min`, `5 h`, `2 d`: an age readable at a glance. */
export function age(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}

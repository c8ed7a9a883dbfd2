/** Widest a cell is shown without `--wide`; longer values end in `…`. */
export const CELL_WIDTH = 40;

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/;

/**
 * The rows of `local query` as an aligned table. A value cut to fit ends in `…` (`wide` shows every
 * value whole), and a TIMESTAMP column prints every value one way, `2026-01-01 00:00:00.000000 UTC`
 * as the BigQuery console does: the client hands out milliseconds for some values and nanoseconds
 * for others.
 */
export function renderRows(rows: Record<string, unknown>[], wide = false): string {
  if (rows.length === 0) return '(no rows)\n';
  const columns = Object.keys(rows[0] ?? {});
  const texts = columns.map((column) => columnTexts(rows.map((row) => row[column])));
  const cut = (text: string) =>
    !wide && Array.from(text).length > CELL_WIDTH
      ? `${Array.from(text)
          .slice(0, CELL_WIDTH - 1)
          .join('')}…`
      : text;
  const shown = texts.map((values) => values.map(cut));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...(shown[index] ?? []).map((text) => Array.from(text).length)),
  );
  const pad = (text: string, width: number) =>
    text + ' '.repeat(Math.max(0, width - Array.from(text).length));
  const line = (values: string[]) =>
    values
      .map((value, index) => pad(value, widths[index] ?? 0))
      .join(' | ')
      .trimEnd();
  const body = rows.map((_, row) => line(shown.map((values) => values[row] ?? '')));
  const anyCut = !wide && texts.some((values) => values.some((text) => Array.from(text).length > CELL_WIDTH));
  return `${[line(columns), widths.map((width) => '-'.repeat(width)).join('-+-'), ...body].join('\n')}\n(${rows.length} rows${anyCut ? `; values longer than ${CELL_WIDTH} characters end in …, --wide shows them whole` : ''})\n`;
}

function columnTexts(values: unknown[]): string[] {
  const strings = values.filter((value): value is string => typeof value === 'string');
  const timestamps = strings.length > 0 && strings.every((value) => TIMESTAMP.test(value));
  if (!timestamps) return values.map(cellText);
  const fractional = strings.some((value) => /\.\d*[1-9]\d*Z$/.test(value));
  return values.map((value) =>
    typeof value === 'string' ? timestampText(value, fractional) : cellText(value),
  );
}

function timestampText(value: string, fractional: boolean): string {
  const [, date, time, fraction = ''] = TIMESTAMP.exec(value) ?? [];
  return fractional ? `${date} ${time}.${fraction.padEnd(6, '0').slice(0, 6)} UTC` : `${date} ${time} UTC`;
}

const cellText = (value: unknown): string =>
  value === null || value === undefined
    ? 'NULL'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

import { quoteString } from '../types.js';
import { QueryTranslationError } from './tokenizer.js';

/**
 * FORMAT_TIMESTAMP / FORMAT_DATETIME / FORMAT_DATE / FORMAT_TIME with GoogleSQL's format elements
 * ("Format elements for date and time parts"). DuckDB's strftime lacks several (%e, %C, %k, %l, %P,
 * %Q, %s, %J …) and reads others differently (%c, %x, %z, %Z), so the format is cut into pieces:
 * runs that strftime prints the same way stay one strftime call, the rest become SQL expressions,
 * concatenated, and a NULL value gives NULL. The session zone is UTC, so the zone elements are
 * constants.
 */
const sameInStrftime = new Set([
  'A',
  'a',
  'B',
  'b',
  'd',
  'G',
  'H',
  'I',
  'j',
  'M',
  'm',
  'p',
  'S',
  'U',
  'u',
  'V',
  'W',
  'w',
  'Y',
  'y',
]);

/** Elements GoogleSQL defines as other elements. */
const aliases: Record<string, string> = {
  c: '%a %b %e %H:%M:%S %Y',
  D: '%m/%d/%y',
  F: '%Y-%m-%d',
  h: '%b',
  R: '%H:%M',
  T: '%H:%M:%S',
  X: '%H:%M:%S',
  x: '%m/%d/%y',
};

const text = (sql: string): string => `CAST(${sql} AS VARCHAR)`;
const padded = (sql: string, width: number, fill: string): string =>
  `lpad(${text(sql)}, ${width}, '${fill}')`;

/** Elements computed in SQL, for a value `v`. */
const computed: Record<string, (v: string) => string> = {
  C: (v) => padded(`year(${v}) // 100`, 2, '0'),
  e: (v) => padded(`day(${v})`, 2, ' '),
  g: (v) => padded(`isoyear(${v}) % 100`, 2, '0'),
  J: (v) => {
    // Day 1 of an ISO year is the Monday of the week holding 4 January.
    const january4 = `make_date(isoyear(${v}), 1, 4)`;
    return padded(
      `CAST(${v} AS DATE) - (${january4} - CAST(isodow(${january4}) - 1 AS INTEGER)) + 1`,
      3,
      '0',
    );
  },
  k: (v) => padded(`hour(${v})`, 2, ' '),
  l: (v) => padded(`(hour(${v}) + 11) % 12 + 1`, 2, ' '),
  P: (v) => `lower(strftime(${v}, '%p'))`,
  Q: (v) => text(`quarter(${v})`),
  n: () => `'\n'`,
  t: () => `'\t'`,
  Z: () => `'UTC'`,
  z: () => `'+0000'`,
  '%': () => `'%'`,
};

const elementPattern = /%(E[0-9]+S|E\*S|E4Y|Ez|.)/g;

function fractionalSeconds(v: string, digits: number): string {
  const seconds = `strftime(${v}, '%S')`;
  if (digits === 0) return seconds;
  // DuckDB keeps microseconds: digits beyond six are zeros.
  const micros = `lpad(${text(`microsecond(${v}) % 1000000`)}, 6, '0')`;
  const fraction = digits <= 6 ? `left(${micros}, ${digits})` : `${micros} || '${'0'.repeat(digits - 6)}'`;
  return `concat(${seconds}, '.', ${fraction})`;
}

export function formatTimeSql(name: string, format: string, value: string): string {
  const expanded = format.replace(/%([cDFhRTXx])/g, (_match, element: string) => aliases[element] ?? '');
  const pieces: string[] = [];
  let run = '';
  const flush = (): void => {
    if (run !== '') pieces.push(`strftime(${value}, ${quoteString(run)})`);
    run = '';
  };
  const literal = (chars: string): void => {
    run += chars.replaceAll('%', '%%');
  };
  let last = 0;
  for (const match of expanded.matchAll(elementPattern)) {
    literal(expanded.slice(last, match.index));
    last = match.index + match[0].length;
    const element = match[1] as string;
    if (element === 's') {
      // GoogleSQL: %s "always overrides all other format elements".
      return `CAST(CAST(floor(epoch(${value})) AS BIGINT) AS VARCHAR)`;
    }
    if (sameInStrftime.has(element)) {
      run += `%${element}`;
      continue;
    }
    flush();
    const fraction = /^E([0-9]+|\*)S$/.exec(element);
    if (fraction) {
      const digits = fraction[1] === '*' ? 6 : Number(fraction[1]);
      if (digits > 12) throw new QueryTranslationError(`${name}: invalid format element %${element}`);
      pieces.push(fractionalSeconds(value, digits));
    } else if (element === 'E4Y') pieces.push(padded(`year(${value})`, 4, '0'));
    else if (element === 'Ez') pieces.push(`'+00:00'`);
    else {
      const build = computed[element];
      if (build === undefined) {
        throw new QueryTranslationError(
          `${name}: format element %${element} is not a GoogleSQL format element`,
        );
      }
      pieces.push(build(value));
    }
  }
  literal(expanded.slice(last));
  flush();
  return `CASE WHEN ${value} IS NULL THEN NULL ELSE concat(${pieces.length === 0 ? "''" : pieces.join(', ')}) END`;
}

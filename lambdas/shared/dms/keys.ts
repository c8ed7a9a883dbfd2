/**
 * The S3 key layout DMS produces with this project's settings (BucketFolder = source id, CDC files
 * date-partitioned YYYYMMDD with SLASH):
 *   <source>/<schema>/<table>/LOAD0000000A.parquet                     full load (hex counter)
 *   <source>/<schema>/<table>/2024/03/27/20240327-014303888.parquet    CDC (UTC write time)
 * Parallel full load may add a partition folder or a `SEGMENTn_` prefix before `LOAD`.
 */

export type DmsFileKind = 'load' | 'cdc';

export interface DmsKey {
  source: string;
  schema: string;
  table: string;
  kind: DmsFileKind;
  /** The file name without `.parquet`, e.g. `LOAD00000001` or `20240327-014303888`. */
  stem: string;
  /** CDC: the write time encoded in the file name. Full load: undefined. */
  fileTime?: Date;
}

/** A key that is not laid out as DMS writes it; the message names the key and what was expected. */
export class DmsKeyError extends Error {
  override name = 'DmsKeyError';
}

/**
 * `yyyyMMdd-HHmmss` and a fraction of a second. Files DMS writes today carry three fractional digits
 * (milliseconds); AWS's documentation also shows four (`20141029-1134010000.csv`). Any count up to
 * nine (nanoseconds) is accepted; the file time keeps the first three, as a `Date` holds no more.
 */
const CDC_STEM = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(\d{0,9})$/;
const MAX_FRACTION_DIGITS = 9;
/** `yyyyMMdd-HHmmss`: the length of a CDC stem before its fraction of a second. */
const SECONDS_LENGTH = 15;
const LOAD_STEM = /^(?:SEGMENT\d+_)?LOAD[0-9A-F]{8}$/;

export const routeKey = (source: string, schema: string, table: string): string =>
  `${source}/${schema}/${table}`;

export function parseDmsKey(key: string): DmsKey {
  const parts = key.split('/');
  const [source, schema, table] = parts;
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  if (!source || !schema || !table || parts.length < 4 || !fileName.endsWith('.parquet')) {
    throw new DmsKeyError(
      `${key}: not a DMS Parquet key; expected <source>/<schema>/<table>/[yyyy/mm/dd/]<file>.parquet`,
    );
  }
  const stem = fileName.slice(0, -'.parquet'.length);
  const cdc = CDC_STEM.exec(stem);
  if (cdc) return { source, schema, table, kind: 'cdc', stem, fileTime: cdcFileTime(key, cdc) };
  if (LOAD_STEM.test(stem)) return { source, schema, table, kind: 'load', stem };
  throw new DmsKeyError(
    `${key}: file name ${fileName} is neither a full-load file (LOAD########.parquet) nor a CDC file (yyyyMMdd-HHmmss followed by up to ${MAX_FRACTION_DIGITS} fractional digits, .parquet)`,
  );
}

/** The UTC time a CDC stem encodes; a date or time that does not exist is refused, not rolled over. */
function cdcFileTime(key: string, match: RegExpExecArray): Date {
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const stem = match[0];
  const millis = Number(stem.slice(SECONDS_LENGTH, SECONDS_LENGTH + 3).padEnd(3, '0'));
  const time = new Date(Date.UTC(y, mo - 1, d, h, mi, s, millis));
  // Date.UTC rolls what does not exist over (February 30 → March 1 or 2, second 60 → the next minute)
  // and reads years 0–99 as 1900–1999: written back, such a time differs from the stem.
  if (cdcStem(time).slice(0, SECONDS_LENGTH) !== stem.slice(0, SECONDS_LENGTH)) {
    throw new DmsKeyError(`${key}: the CDC file name encodes a date or time that does not exist`);
  }
  return time;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `yyyyMMdd-HHmmssSSS` in UTC, as DMS names CDC files. */
export function cdcStem(time: Date): string {
  return `${time.getUTCFullYear()}${pad(time.getUTCMonth() + 1)}${pad(time.getUTCDate())}-${pad(time.getUTCHours())}${pad(time.getUTCMinutes())}${pad(time.getUTCSeconds())}${pad(time.getUTCMilliseconds(), 3)}`;
}

/** `yyyy/mm/dd`: the date folder of a CDC file (DatePartitionSequence YYYYMMDD, delimiter SLASH). */
export function dateFolder(time: Date): string {
  return `${time.getUTCFullYear()}/${pad(time.getUTCMonth() + 1)}/${pad(time.getUTCDate())}`;
}

export function cdcKey(source: string, schema: string, table: string, time: Date): string {
  return `${routeKey(source, schema, table)}/${dateFolder(time)}/${cdcStem(time)}.parquet`;
}

/** Full-load file `n` (1-based); the counter is hexadecimal, upper case, 8 digits. */
export function loadKey(source: string, schema: string, table: string, n: number): string {
  return `${routeKey(source, schema, table)}/LOAD${n.toString(16).toUpperCase().padStart(8, '0')}.parquet`;
}

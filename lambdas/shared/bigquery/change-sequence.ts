/**
 * BigQuery CDC's `_CHANGE_SEQUENCE_NUMBER` (docs: "Stream table updates with change data capture
 * ingestion", ADR 0023): hexadecimal sections separated by `/`, at most four, each at most 16 hex
 * digits (upper or lower case), compared section by section as unsigned numbers.
 */
export type ChangeSequence = readonly bigint[];

const MAX_SECTIONS = 4;
const SECTION = /^[0-9A-Fa-f]{1,16}$/;

/** Parses a sequence number, or throws a one-line error naming the value and the format. */
export function parseChangeSequence(text: string): ChangeSequence {
  const sections = text.split('/');
  if (sections.length > MAX_SECTIONS || !sections.every((section) => SECTION.test(section))) {
    throw new Error(
      `Invalid _CHANGE_SEQUENCE_NUMBER "${text}": expected up to ${MAX_SECTIONS} sections of 1 to 16 hexadecimal digits separated by "/"`,
    );
  }
  return sections.map((section) => BigInt(`0x${section}`));
}

/**
 * Negative, zero or positive as `a` sorts before, equal to or after `b`. BigQuery compares the first
 * sections and moves on only while they are equal; its documentation does not say how a sequence
 * that runs out of sections compares with a longer one that matches so far. Here the shorter one
 * sorts first (tuple order), and writers that always send the same number of sections never meet it.
 */
export function compareChangeSequences(a: ChangeSequence, b: ChangeSequence): number {
  const shorter = Math.min(a.length, b.length);
  for (let index = 0; index < shorter; index += 1) {
    const left = a[index] as bigint;
    const right = b[index] as bigint;
    if (left < right) return -1;
    if (left > right) return 1;
  }
  return a.length - b.length;
}

export const formatChangeSequence = (sequence: ChangeSequence): string =>
  sequence.map((section) => section.toString(16).toUpperCase()).join('/');

/**
 * The whole second converted last: a DMS file holds many rows per second, and the calendar check
 * below costs more than the rest of a row's streaming (docs/performance.md, issue 19).
 */
let lastSecond: { text: string; micros: bigint } | undefined;
const DMS_SECOND = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const DMS_FRACTION = /^(?:\.(\d{1,6}))?$/;
const CHANGE_SEQ_DIGITS = 35;
/** `$AR_H_CHANGE_SEQ` is 16 digits of timestamp then a 19-digit counter; each half fits 64 bits. */
const COUNTER_DIGITS = 19;
/** `yyyyMMddHHmmss`: the whole seconds of the change seq's 16-digit time part. */
const SECOND_DIGITS = 14;

/** Microseconds since the epoch of a DMS `yyyy-MM-dd HH:mm:ss[.SSSSSS]` (UTC) timestamp. */
export function dmsTimestampMicros(timestamp: string): bigint {
  const invalid = (why: string) => new Error(`Invalid _dms_timestamp "${timestamp}": ${why}`);
  const fraction = DMS_FRACTION.exec(timestamp.slice(19));
  if (fraction === null) throw invalid('expected yyyy-MM-dd HH:mm:ss.SSSSSS');
  const seconds = timestamp.slice(0, 19);
  if (seconds !== lastSecond?.text) {
    const match = DMS_SECOND.exec(seconds);
    if (match === null) throw invalid('expected yyyy-MM-dd HH:mm:ss.SSSSSS');
    const [, year, month, day, hour, minute, second] = match;
    const millis = Date.UTC(
      Number(year),
      Number(month) - 1,
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
    );
    const roundTrip = new Date(millis).toISOString().slice(0, 19).replace('T', ' ');
    if (roundTrip !== seconds) throw invalid('not a calendar date and time');
    if (millis < 0) {
      throw invalid('before 1970-01-01, which an unsigned sequence number cannot order');
    }
    lastSecond = { text: seconds, micros: BigInt(millis) * 1000n };
  }
  return lastSecond.micros + BigInt((fraction[1] ?? '').padEnd(6, '0'));
}

/**
 * Version of the change order below, stored as a label on every CDC table created with it
 * (current-table-schema.ts). Sequence numbers of another order compare meaninglessly with these, so
 * `warehouse apply` marks a table without this label for a rebuild (ADR 0040).
 */
export const CHANGE_ORDER_VERSION = '2';

/** `yyyyMMddHHmmss` of a DMS `yyyy-MM-dd HH:mm:ss[.SSSSSS]` timestamp, as a number. */
const timestampSecond = (timestamp: string): bigint =>
  BigInt(
    `${timestamp.slice(0, 4)}${timestamp.slice(5, 7)}${timestamp.slice(8, 10)}${timestamp.slice(11, 13)}${timestamp.slice(14, 16)}${timestamp.slice(17, 19)}`,
  );

/**
 * The pipeline's one change order (ADR 0040), as BigQuery's `_CHANGE_SEQUENCE_NUMBER`:
 * `<second>/<0 full load, 1 CDC>/<…>/<…>`, always four sections.
 *
 * - A CDC row: `<the change seq's yyyyMMddHHmmss>/1/<its 16-digit time part>/<its 19-digit counter>`.
 *   CDC rows therefore follow `$AR_H_CHANGE_SEQ` alone (the first section is a prefix of the third),
 *   which DMS keeps increasing even when the source's clock steps back; `_dms_timestamp` plays no part.
 * - A full-load row: `<_dms_timestamp's yyyyMMddHHmmss>/0/<_dms_timestamp µs>/0`. It sorts above every
 *   change of an earlier second and below every change of its own second or later: a change captured
 *   in the second the load started carries an after image at least as new as what the load read, and
 *   commit times may have one-second resolution (MySQL's binlog), so within that second the load
 *   cannot be placed any finer. Two full-load rows order by their timestamps.
 *
 * `changeOrder` in warehouse/views.ts is the same order in SQL; the two must stay equal.
 */
export function dmsChangeSequence(dmsTimestamp: string, dmsChangeSeq: string | null | undefined): string {
  const micros = dmsTimestampMicros(dmsTimestamp);
  const seq = dmsChangeSeq ?? '';
  if (seq === '') return formatChangeSequence([timestampSecond(dmsTimestamp), 0n, micros, 0n]);
  if (!/^\d+$/.test(seq) || seq.length > CHANGE_SEQ_DIGITS) {
    throw new Error(
      `Invalid _dms_change_seq "${seq}": expected up to ${CHANGE_SEQ_DIGITS} decimal digits ($AR_H_CHANGE_SEQ) or empty`,
    );
  }
  const padded = seq.padStart(CHANGE_SEQ_DIGITS, '0');
  const second = BigInt(padded.slice(0, SECOND_DIGITS));
  const high = BigInt(padded.slice(0, CHANGE_SEQ_DIGITS - COUNTER_DIGITS));
  const low = BigInt(padded.slice(CHANGE_SEQ_DIGITS - COUNTER_DIGITS));
  return formatChangeSequence([second, 1n, high, low]);
}

/**
 * `bigquery.maxStaleness` of a mapping: a whole number and a unit (`"30s"`, `"15m"`, `"1h"`, `"1d"`),
 * turned into the `Table.maxStaleness` BigQuery's REST API takes: "a string encoding of sql
 * IntervalValue type", `Y-M D H:M:S` (`bq help mk`: 1 hour is "0-0 0 1:0:0"). ADR 0024.
 */
const STALENESS = /^(\d+)([smhd])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
const UNIT_NAMES: Record<string, string> = { s: 'SECOND', m: 'MINUTE', h: 'HOUR', d: 'DAY' };

export class StalenessFormatError extends Error {
  override name = 'StalenessFormatError';
}

/** Seconds of a mapping's staleness, or a one-line error naming the value and the format. */
export function stalenessSeconds(text: string): number {
  const match = STALENESS.exec(text);
  if (match === null) {
    throw new StalenessFormatError(
      `"${text}" is not a staleness; write a whole number followed by s, m, h or d, e.g. "15m"`,
    );
  }
  return Number(match[1]) * (UNIT_SECONDS[match[2] ?? 's'] ?? 1);
}

/**
 * Why a mapping's staleness cannot be used, or undefined. Zero is refused rather than sent: it
 * would read as a setting while meaning none, and omitting the field says that plainly.
 */
export function stalenessProblem(text: string): string | undefined {
  let seconds: number;
  try {
    seconds = stalenessSeconds(text);
  } catch (error) {
    if (error instanceof StalenessFormatError) return error.message;
    throw error;
  }
  if (seconds === 0) {
    return `"${text}" is no staleness at all; remove "maxStaleness" for CDC tables that every query sees fully up to date`;
  }
  return undefined;
}

/** BigQuery's IntervalValue text for a number of seconds: days, then H:M:S within the day. */
export function intervalValue(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const hours = Math.floor(rest / 3_600);
  const minutes = Math.floor((rest % 3_600) / 60);
  return `0-0 ${days} ${hours}:${minutes}:${rest % 60}`;
}

export const maxStalenessInterval = (text: string): string => intervalValue(stalenessSeconds(text));

const INTERVAL_VALUE = /^(-?\d+)-(-?\d+) (-?\d+) (-?\d+):(\d+):(\d+)(?:\.(\d{1,9}))?$/;

/**
 * Seconds of an IntervalValue text as tables.get returns it, so a stored staleness compares with
 * the mapping's whatever its spelling (`0-0 0 0:15:0`, `0-0 0 0:15:0.000`); undefined when it has
 * months or years (no fixed length) or is not an IntervalValue.
 */
export function intervalValueSeconds(text: string): number | undefined {
  const match = INTERVAL_VALUE.exec(text.trim());
  if (match === null) return undefined;
  const [, years, months, days, hours, minutes, seconds, fraction] = match;
  if (Number(years) !== 0 || Number(months) !== 0) return undefined;
  const sign = (hours ?? '').startsWith('-') ? -1 : 1;
  const time = Math.abs(Number(hours)) * 3_600 + Number(minutes) * 60 + Number(seconds);
  return Number(days) * 86_400 + sign * time + Number(`0.${fraction ?? '0'}`) * sign;
}

/** GoogleSQL DDL for the mapping's staleness, as BigQuery's CDC example writes it (`INTERVAL 10 MINUTE`). */
export function stalenessDdl(text: string): string {
  const match = STALENESS.exec(text);
  if (match === null) throw new StalenessFormatError(`"${text}" is not a staleness`);
  return `INTERVAL ${Number(match[1])} ${UNIT_NAMES[match[2] ?? 's']}`;
}

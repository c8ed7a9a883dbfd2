/**
 * `bigquery.maxStaleness` of a mapping: a whole number and a unit (`"30s"`, `"15m"`, `"1h"`, `"1d"`),
 * turned into the `Table.maxStaleness` BigQuery's REST API takes: "a string encoding of sql
 * IntervalValue type", `Y-M D H:M:S` (`bq help mk`: 1 hour is "0-0 0 1:0:0"). ADR 0024.
 */
const STALENESS = /^(\d+)([smhd])$/;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

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

/** BigQuery's IntervalValue text for a number of seconds: days, then H:M:S within the day. */
export function intervalValue(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const hours = Math.floor(rest / 3_600);
  const minutes = Math.floor((rest % 3_600) / 60);
  return `0-0 ${days} ${hours}:${minutes}:${rest % 60}`;
}

export const maxStalenessInterval = (text: string): string => intervalValue(stalenessSeconds(text));

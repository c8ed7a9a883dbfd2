import {
  cdcStem,
  type DmsFileKind,
  type DmsKey,
  dateFolder,
  parseDmsKey,
  routeKey,
} from '../shared/dms/keys.js';
import type { ReplayPlan } from './request.js';

/**
 * One contiguous key range of one table that a replay lists. S3 lists keys in UTF-8 binary order,
 * and under a table root `<source>/<schema>/<table>/` that order splits the files in two:
 *   - CDC files `yyyy/mm/dd/yyyyMMdd-HHmmss<fraction>.parquet` start with a digit (< ':'),
 *     and sort by write time because every field is zero-padded and a fraction of any length
 *     compares as a decimal fraction (`.` sorts before every digit);
 *   - full-load files (`LOAD…`, `SEGMENTn_LOAD…`, partition folders) start with a letter (> ':').
 * So the CDC window [from, to) is the key range (startAfter, endBefore) — ListObjectsV2 starts right
 * at the first date folder that can match and the replay stops at the first key past `to`: only
 * date folders within the range are listed, never the whole table.
 */
export interface Segment {
  /** `<source>/<schema>/<table>`: with `kind`, names the segment in continuation tokens. */
  route: string;
  kind: DmsFileKind;
  prefix: string;
  /** Exclusive lower bound for ListObjectsV2 `StartAfter`; absent: from the first key of `prefix`. */
  startAfter?: string;
  /** Exclusive upper bound: listing stops at the first key >= this. */
  endBefore?: string;
  from?: Date;
  to?: Date;
}

/** Between the last digit and the first letter in S3's binary order. */
const CDC_END = ':';

export function listingSegments(plan: ReplayPlan): Segment[] {
  const segments: Segment[] = [];
  for (const { source, schema, table } of plan.routes) {
    const route = routeKey(source, schema, table);
    const prefix = `${route}/`;
    segments.push({
      route,
      kind: 'cdc',
      prefix,
      // `<stem>` sorts right before `<stem>.parquet`, so a file written exactly at `from` is included
      // and one written exactly at `to` is not.
      ...(plan.from ? { startAfter: `${prefix}${timeKey(plan.from)}`, from: plan.from } : {}),
      endBefore: plan.to ? `${prefix}${timeKey(plan.to)}` : `${prefix}${CDC_END}`,
      ...(plan.to ? { to: plan.to } : {}),
    });
    if (plan.includeFullLoad)
      segments.push({ route, kind: 'load', prefix, startAfter: `${prefix}${CDC_END}` });
  }
  return segments;
}

/** `yyyy/mm/dd/yyyyMMdd-HHmmssSSS`: the key of a CDC file written at `time`, without `.parquet`. */
const timeKey = (time: Date): string => `${dateFolder(time)}/${cdcStem(time)}`;

/** Whether a listed key is a file of this segment: the right kind, table and (CDC) write time. */
export function segmentFile(segment: Segment, key: string): DmsKey | undefined {
  let parsed: DmsKey;
  try {
    parsed = parseDmsKey(key);
  } catch {
    return undefined;
  }
  if (
    parsed.kind !== segment.kind ||
    routeKey(parsed.source, parsed.schema, parsed.table) !== segment.route
  ) {
    return undefined;
  }
  const time = parsed.fileTime?.getTime();
  if (segment.from && (time === undefined || time < segment.from.getTime())) return undefined;
  if (segment.to && (time === undefined || time >= segment.to.getTime())) return undefined;
  return parsed;
}

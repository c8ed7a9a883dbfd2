import { JobFailureError } from '../errors.js';
import type { TableResource } from '../store/resources.js';

/** What a load job may say about the destination's layout (JobConfigurationLoad). */
export interface LoadLayout {
  timePartitioning?: Record<string, unknown>;
  rangePartitioning?: Record<string, unknown>;
  clustering?: { fields: string[] };
}

/**
 * BigQuery's spelling of a partitioning specification, as its errors quote it:
 * `none`, `interval(type:day)` (ingestion time), `interval(type:day,field:ts)`, then
 * ` clustering(a,b)` when clustered. Integer-range partitioning is spelled the emulator's way
 * (`range(field:x,start:0,end:100,interval:10)`); BigQuery's wording for it was not found.
 */
export function describeLayout(layout: LoadLayout): string {
  const time = layout.timePartitioning;
  const range = layout.rangePartitioning;
  let partitioning = 'none';
  if (time !== undefined && time !== null) {
    const type = String(time.type ?? 'DAY').toLowerCase();
    partitioning = `interval(type:${type}${typeof time.field === 'string' ? `,field:${time.field}` : ''})`;
  } else if (range !== undefined && range !== null) {
    const bounds = (range.range ?? {}) as Record<string, unknown>;
    partitioning = `range(field:${String(range.field)},start:${String(bounds.start)},end:${String(bounds.end)},interval:${String(bounds.interval)})`;
  }
  const clustered = layout.clustering?.fields ?? [];
  return clustered.length > 0 ? `${partitioning} clustering(${clustered.join(',')})` : partitioning;
}

const mentionsLayout = (layout: LoadLayout): boolean =>
  [layout.timePartitioning, layout.rangePartitioning, layout.clustering].some(
    (part) => part !== undefined && part !== null,
  );

/**
 * A load into an existing table that states a partitioning or clustering must state the table's
 * own, whatever the write disposition: a load cannot re-partition or re-cluster a table, not even
 * one it truncates. A load that states none of them takes the table's layout. Field names compare
 * case-insensitively, as BigQuery column names do; partition expiration is not part of the spec.
 */
export function checkLayout(existing: TableResource, load: LoadLayout): void {
  if (!mentionsLayout(load)) return;
  const expected = describeLayout(existing);
  const input = describeLayout(load);
  if (expected.toLowerCase() === input.toLowerCase()) return;
  throw new JobFailureError(
    'invalid',
    `Incompatible table partitioning specification. Expects partitioning specification ${expected}, but input partitioning specification is ${input}`,
  );
}

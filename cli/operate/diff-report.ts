import type { Key } from '../../lambdas/shared/diff/queries.js';
import { differs, type RouteDiff } from '../../lambdas/shared/diff/run.js';

/** `--json` of `dms2bq diff` (documented in docs/diff.md). */
export interface DiffJson {
  source: string;
  table: string;
  current: string;
  equal: boolean;
  missing: { count: number; keys: Record<string, string>[] };
  /** `why`: what leaves keys in BigQuery that the source lacks (only when there are some). */
  extra: { count: number; keys: Record<string, string>[]; why?: string };
  changed: { count: number; keys: { key: Record<string, string>; columns: string[] }[] };
  repair: string[];
  levels: number;
  bigquery: { queries: number; bytesBilled: number };
  sourceQueries: number;
}

const keyObject = (diff: RouteDiff, key: Key): Record<string, string> =>
  Object.fromEntries(diff.table.keys.map((column, index) => [column.name, key[index] ?? '']));

const keyText = (diff: RouteDiff, key: Key): string =>
  diff.table.keys.map((column, index) => `${column.name}=${key[index]}`).join(',');

/**
 * What puts the copy right: a view reads the changelog, so the changelog needs the rows again (a
 * reload of the table by DMS); a CDC table can first be rebuilt from its changelog, and needs the
 * reload only when the changelog itself lacks the rows.
 */
export function repairCommands(diff: RouteDiff, stage: string | undefined): string[] {
  if (!differs(diff.result)) return [];
  const { route } = diff;
  const target = `--stage ${stage ?? '<stage>'}`;
  const reload = `dms2bq dms reload ${target} --source ${route.source} --table ${route.schema}.${route.table}`;
  if (route.current !== 'table') return [reload];
  return [
    `dms2bq warehouse rebuild-current ${target} --table ${route.source}.${route.schema}.${route.table}`,
    `${reload}   (if it still differs: the changelog lacks the rows)`,
  ];
}

/**
 * Keys BigQuery shows and the source lacks are deletes DMS never wrote: a key deleted while capture
 * could not see it (a capture gap, a TRUNCATE, ADR 0047), or the old key of a primary-key update —
 * DMS writes one `U` row with the new key only, and before images are documented for streaming
 * targets, not S3 (ADR 0048).
 */
export const EXTRA_KEYS_WHY =
  'deleted at the source where DMS wrote no delete: a capture gap, a TRUNCATE, or the old key of a primary-key update (DMS writes the new key only); a reload of the table removes them once reconciliation has seen it complete (docs/runbooks/stale-keys.md)';

export function diffJson(diff: RouteDiff, stage: string | undefined, limit: number): DiffJson {
  const { result, route } = diff;
  return {
    source: route.source,
    table: `${route.schema}.${route.table}`,
    current: `${route.dataset}.${diff.table.current}`,
    equal: !differs(result),
    missing: {
      count: result.missing.length,
      keys: result.missing.slice(0, limit).map((key) => keyObject(diff, key)),
    },
    extra: {
      count: result.extra.length,
      keys: result.extra.slice(0, limit).map((key) => keyObject(diff, key)),
      ...(result.extra.length > 0 ? { why: EXTRA_KEYS_WHY } : {}),
    },
    changed: {
      count: result.changed.length,
      keys: result.changed
        .slice(0, limit)
        .map((entry) => ({ key: keyObject(diff, entry.key), columns: entry.columns })),
    },
    repair: repairCommands(diff, stage),
    levels: result.levels,
    bigquery: diff.bigquery,
    sourceQueries: diff.sourceQueries,
  };
}

export function renderDiff(diff: RouteDiff, stage: string | undefined, limit: number): string {
  const { result, route } = diff;
  const name = `${route.source} ${route.schema}.${route.table} ↔ ${route.dataset}.${diff.table.current}`;
  const cost = `${diff.bigquery.queries} BigQuery query job(s), ${diff.bigquery.bytesBilled} bytes billed; ${diff.sourceQueries} source queries; ${result.levels} checksum level(s)`;
  if (!differs(result)) return `${name}: equal (${cost})\n`;
  const more = (count: number) => (count > limit ? `, … ${count - limit} more` : '');
  const lines = [
    `${name}: differs (${cost})`,
    `  missing (in the source, not in BigQuery): ${result.missing.length}${
      result.missing.length
        ? ` — ${result.missing
            .slice(0, limit)
            .map((key) => keyText(diff, key))
            .join('; ')}${more(result.missing.length)}`
        : ''
    }`,
    `  extra (in BigQuery, not in the source): ${result.extra.length}${
      result.extra.length
        ? ` — ${result.extra
            .slice(0, limit)
            .map((key) => keyText(diff, key))
            .join('; ')}${more(result.extra.length)}`
        : ''
    }`,
    `  changed: ${result.changed.length}${
      result.changed.length
        ? ` — ${result.changed
            .slice(0, limit)
            .map((entry) => `${keyText(diff, entry.key)} (${entry.columns.join(', ')})`)
            .join('; ')}${more(result.changed.length)}`
        : ''
    }`,
    ...repairCommands(diff, stage).map(
      (command, index) => `  ${index === 0 ? 'repair:' : '     or:'} ${command}`,
    ),
    ...(result.extra.length > 0 ? [`  extra keys are ${EXTRA_KEYS_WHY}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

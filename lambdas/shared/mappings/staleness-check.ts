import { backgroundApplyCost, REFERENCE_LIVE_GIB, STALENESS_WARNING_SECONDS } from '../warehouse/cdc-cost.js';
import { currentMode, type MappingFile } from './model.js';
import { type Problem, pointer } from './problem.js';
import { stalenessProblem, stalenessSeconds } from './staleness.js';

/**
 * A `maxStaleness` below 15 minutes on a source with CDC tables: valid, but each interval is a
 * background apply that reads the whole table (ADR 0049), so the cost grows as the staleness shrinks.
 * A warning, not a refusal: the user may want that freshness and pay for it.
 */
export function stalenessWarnings({ file, mapping }: MappingFile): Problem[] {
  const staleness = mapping.bigquery.maxStaleness;
  if (staleness === undefined || stalenessProblem(staleness) !== undefined) return [];
  if (!mapping.tables.some((table) => currentMode(mapping, table) === 'table')) return [];
  const seconds = stalenessSeconds(staleness);
  if (seconds >= STALENESS_WARNING_SECONDS) return [];
  const { appliesPerMonth, usdPerLiveGiBMonth } = backgroundApplyCost(seconds);
  const reference = Math.round(usdPerLiveGiBMonth * REFERENCE_LIVE_GIB);
  return [
    {
      file,
      path: pointer('bigquery', 'maxStaleness'),
      message: `"${staleness}" is below 15m: BigQuery applies changes at least every ${staleness}, ${appliesPerMonth.toLocaleString('en-US')} background applies a month each reading the whole table, ≈ $${usdPerLiveGiBMonth.toFixed(0)} a month per GiB of live rows on demand (≈ $${reference} for a ${REFERENCE_LIVE_GIB} GiB table); set "15m" or more unless that freshness is worth it (ADR 0049)`,
    },
  ];
}

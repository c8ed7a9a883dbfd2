/**
 * What a `"current": "table"` CDC table costs in BigQuery compute besides its storage (ADR 0049,
 * docs/deploy.md). Google documents the mechanism, not the bytes: with `max_staleness` BigQuery
 * "applies row modifications at least once within the interval", and each background apply merges
 * the pending changes into the baseline table, so it reads the baseline; without it, every query
 * runs a "runtime merge" of the changes not yet applied. The figures assume one apply per interval
 * (the documented minimum; BigQuery may apply more often) reading the whole live table, at the
 * on-demand price.
 */
export const ON_DEMAND_USD_PER_TIB = 6.25;

const MONTH_SECONDS = 30 * 86_400;
const GIB_PER_TIB = 1024;

/**
 * Below this staleness `validate` warns. Google documents no minimum or recommended value for a CDC
 * table's `max_staleness` (searched: "Manage table staleness", Datastream's "data freshness"); it says
 * only that lower values "may result in higher cost" (Datastream BigQueryDestinationConfig). 15
 * minutes is Datastream's default staleness for the CDC tables it writes (cited second-hand,
 * canton-network/splice#2011), the reference this project's docs use for a hot table.
 */
export const STALENESS_WARNING_SECONDS = 15 * 60;

/** The reference hot table's live size (docs/performance.md: 1 M keys), for figures in words. */
export const REFERENCE_LIVE_GIB = 0.21;

export interface CdcApplyCost {
  /** Background applies a month at one per staleness interval. */
  appliesPerMonth: number;
  /** Dollars a month per GiB of live rows, every apply reading the whole table on demand. */
  usdPerLiveGiBMonth: number;
}

export function backgroundApplyCost(stalenessSeconds: number): CdcApplyCost {
  const appliesPerMonth = Math.ceil(MONTH_SECONDS / stalenessSeconds);
  return { appliesPerMonth, usdPerLiveGiBMonth: (appliesPerMonth / GIB_PER_TIB) * ON_DEMAND_USD_PER_TIB };
}

const dollars = (value: number): string =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** One line for `dms2bq plan`: what the table's staleness costs, with and without `max_staleness`. */
export function describeCdcCost(maxStaleness: string | undefined, stalenessSeconds?: number): string {
  if (maxStaleness === undefined || stalenessSeconds === undefined) {
    return 'no max_staleness: every query also runs a runtime merge of the changes not yet applied (bytes of the table plus those changes, per query); when BigQuery applies in the background is its choice (not documented)';
  }
  const { appliesPerMonth, usdPerLiveGiBMonth } = backgroundApplyCost(stalenessSeconds);
  return `max_staleness ${maxStaleness}: at least ${appliesPerMonth.toLocaleString('en-US')} background applies a month, each reading the whole table: ≈ ${dollars(usdPerLiveGiBMonth)} a month per GiB of live rows on demand (${dollars(usdPerLiveGiBMonth * REFERENCE_LIVE_GIB)} for the reference hot table of ${REFERENCE_LIVE_GIB} GiB); queries read the applied table, up to ${maxStaleness} old`;
}

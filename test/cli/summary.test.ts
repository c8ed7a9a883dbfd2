import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from '../../local/pipeline/progress.js';
import { FRESHNESS_LEGEND, renderSummary } from '../../local/pipeline/summary.js';

const summary = {
  files: 12,
  loaded: 11,
  duplicates: 12,
  failed: [{ key: 'casino_a/game/bets/LOAD2.parquet', reason: 'not a Parquet file' }],
  rowsByTable: { 'casino_a.bets': 1500, 'casino_a.players': 40 },
};

describe('renderSummary', () => {
  it('names every figure: files, changelog rows, views', () => {
    // Act
    const text = renderSummary(summary, [], ['casino_a_cdc.bets_current']);

    // Assess
    expect(text).toContain(
      'Parquet files: 12 announced · 11 loaded · 12 duplicate deliveries skipped (already loaded) · 1 failed (in the DLQ)',
    );
    expect(text).toContain(
      "changelog rows loaded: 1,540 (one per insert, update and delete, plus the full load's rows)",
    );
    expect(text).toContain('_current views applied: 1 (the latest row per primary key, deletes left out)');
    expect(text).toMatch(/casino_a\.bets\s+1,500\n/);
    expect(text).toContain('failed: casino_a/game/bets/LOAD2.parquet: not a Parquet file');
  });

  it('counts no view as applied when no file loaded', () => {
    // Act
    const text = renderSummary({ ...summary, loaded: 0, rowsByTable: {} }, [], ['casino_a_cdc.bets_current']);

    // Assess
    expect(text).toContain('_current views applied: 0 (no file loaded; 1 in place from earlier runs)');
  });

  it('sets changelog rows beside expected and found current rows when checked against the truth', () => {
    // Prepare
    const table = {
      table: 'casino_a_cdc.bets',
      loaderTable: 'casino_a.bets',
      kind: 'view' as const,
      expectedRows: 900,
      actualRows: 899,
      missing: 1,
      unexpected: 0,
      different: 0,
      staleSourceChangedAt: 0,
      examples: ['missing key [7]'],
      matches: false,
    };

    // Act
    const text = renderSummary(summary, [table], []);

    // Assess
    expect(text).toMatch(
      /table\s+_current\s+changelog rows\s+current rows expected\s+current rows found\s+result/,
    );
    expect(text).toMatch(
      /casino_a_cdc\.bets\s+view\s+1,500\s+900\s+899\s+MISMATCH \(1 missing, 0 unexpected, 0 different\)/,
    );
  });

  it('says which _current is a CDC table and counts the CDC tables', () => {
    // Prepare
    const table = {
      table: 'casino_a_cdc.transactions',
      loaderTable: 'casino_a.transactions',
      kind: 'table' as const,
      expectedRows: 40,
      actualRows: 40,
      missing: 0,
      unexpected: 0,
      different: 0,
      staleSourceChangedAt: 2,
      examples: [],
      matches: false,
    };

    // Act
    const text = renderSummary(summary, [table], []);

    // Assess
    expect(text).toContain('_current CDC tables: 1 (the loader streams every change into them');
    expect(text).toMatch(
      /casino_a_cdc\.transactions\s+CDC table\s+0\s+40\s+40\s+MISMATCH \(0 missing, 0 unexpected, 0 different, 2 wrong _source_changed_at\)/,
    );
  });

  it('counts the _history views checked and names wrong open versions', () => {
    // Prepare
    const table = {
      table: 'casino_a_cdc.players',
      loaderTable: 'casino_a.players',
      kind: 'view' as const,
      expectedRows: 40,
      actualRows: 40,
      missing: 0,
      unexpected: 0,
      different: 0,
      staleSourceChangedAt: 0,
      examples: [],
      history: { versions: 75, openVersions: 39, openMismatches: 1 },
      matches: false,
    };

    // Act
    const text = renderSummary(summary, [table], []);

    // Assess
    expect(text).toContain(
      '_history views checked: 1 (every version per key; 75 versions, one open per live key expected)',
    );
    expect(text).toContain('MISMATCH (0 missing, 0 unexpected, 0 different, 1 wrong open _history versions)');
  });

  it("shows each table's freshness with a one-line explanation of it", () => {
    // Prepare
    let written = '';
    const stream = {
      isTTY: false,
      write: (text: string) => (written += text),
    } as unknown as NodeJS.WriteStream;
    const progress = new ProgressDisplay(stream);
    progress.record({
      key: 'k',
      status: 'loaded',
      source: 'casino_a',
      table: 'bets',
      rows: 10,
      freshnessMs: 250_000,
    });
    progress.start();

    // Act
    progress.stop();

    // Assess
    expect(written).toMatch(
      /casino_a\.bets\s+1 files\s+10 changelog rows\s+0 duplicate deliveries skipped {2}freshness 250 s/,
    );
    expect(written).toContain(`  ${FRESHNESS_LEGEND}\n`);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS, parseSoakArgs, type SoakOptions } from '../../bench/soak/options.js';
import { dayLine } from '../../bench/soak/report.js';
import { runSoak } from '../../bench/soak/soak.js';

/**
 * The short soak: four small simulated days (the late cases need files older than BigQuery's two-day
 * DELETE retention) with every scenario on; `npm run soak -- --days 30` is the long run (ADR 0050).
 */
const SHORT: SoakOptions = parseSoakArgs([
  '--days',
  '4',
  '--changes-per-day',
  '120',
  '--slices-per-day',
  '2',
  '--cdc-interval-seconds',
  '14400',
  '--initial-rows',
  '40',
  '--big-full-load-rows',
  '2000',
  '--row-group-length',
  '200',
]);

describe('soak', () => {
  it('keeps every CDC table equal to its view and to the source at each day boundary, every scenario on', async () => {
    // Act
    const report = await runSoak(SHORT);

    // Assess
    const lines = report.days.map(dayLine);
    expect(
      lines.filter((line) => line.includes('FAILED')),
      lines.join('\n'),
    ).toEqual([]);
    expect(report.days).toHaveLength(4);
    const total = (pick: (day: (typeof report.days)[number]) => number) =>
      report.days.reduce((sum, day) => sum + pick(day), 0);
    expect(total((day) => day.replayed)).toBeGreaterThan(0);
    expect(total((day) => day.lateDuplicates)).toBeGreaterThan(0);
    expect(total((day) => day.redriven)).toBeGreaterThan(0);
    expect(report.days.flatMap((day) => day.events).join('\n')).toMatch(
      /ADD COLUMN[\s\S]*MODIFY[\s\S]*reloaded/,
    );
  }, 480_000);
});

describe('soak options', () => {
  it('switches a scenario off by name', () => {
    // Act
    const options = parseSoakArgs(['--no-widen', '--days', '2']);

    // Assess
    expect(options.scenarios.widen).toBe(false);
    expect(options.scenarios.replay).toBe(true);
    expect(options.days).toBe(2);
  });

  it.each([
    { args: ['--dayz', '2'], message: /^--dayz: unknown option; use --days/ },
    { args: ['--days', 'x'], message: /^--days: expected a number ≥ 0, got x$/ },
    { args: ['--days', '1.5'], message: /^--days: expected an integer ≥ 1, got 1.5$/ },
    { args: ['--slices-per-day', '1'], message: /^--slices-per-day: expected an integer ≥ 2/ },
  ])('refuses $args in one line naming the option', ({ args, message }) => {
    // Act
    const act = () => parseSoakArgs(args, DEFAULT_OPTIONS);

    // Assess
    expect(act).toThrow(message);
  });
});

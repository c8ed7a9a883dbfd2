import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, vi } from 'vitest';

/**
 * A Powertools logger whose error (and, at level WARN, warning) lines are captured as parsed JSON
 * instead of printed.
 */
export function capturingLogger(level: 'ERROR' | 'WARN' = 'ERROR'): {
  logger: Logger;
  errors: () => Record<string, unknown>[];
  warnings: () => Record<string, unknown>[];
  restore: () => void;
} {
  // With POWERTOOLS_DEV the logger writes through the global console, which a test can capture.
  process.env.POWERTOOLS_DEV = 'true';
  const lines: string[] = [];
  const warnLines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  const warnSpy = vi.spyOn(console, 'warn').mockImplementation((line: unknown) => {
    warnLines.push(String(line));
  });
  const logger = new Logger({ serviceName: 'dms2bq-loader-test', logLevel: level });
  delete process.env.POWERTOOLS_DEV;
  const parse = (all: string[]) => all.map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    logger,
    errors: () => parse(lines),
    warnings: () => parse(warnLines),
    restore: () => {
      spy.mockRestore();
      warnSpy.mockRestore();
    },
  };
}

/** One single-metric EMF document as CloudWatch reads it: the directive, then the fields. */
export interface EmfLine {
  _aws: {
    CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }>;
  };
  [key: string]: unknown;
}

/**
 * The EMF documents Powertools Metrics prints in each test of the enclosing describe, parsed.
 * POWERTOOLS_DEV prints them through the global console; it also disables metrics unless told.
 */
export function useEmfCapture(): { lines: () => EmfLine[] } {
  let lines: EmfLine[] = [];
  beforeEach(() => {
    lines = [];
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(JSON.parse(String(line)) as EmfLine);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  return { lines: () => lines };
}

/** Logged JSON lines (Powertools logs and EMF documents), by console method. */
export function captureConsole() {
  const lines: { method: string; line: Record<string, unknown> }[] = [];
  for (const method of ['debug', 'info', 'warn', 'error', 'log'] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      if (typeof line === 'string' && line.startsWith('{'))
        lines.push({ method, line: JSON.parse(line) as Record<string, unknown> });
    });
  }
  return {
    logs: () => lines.filter(({ line }) => !('_aws' in line)),
    emf: () => lines.filter(({ line }) => '_aws' in line).map(({ line }) => line),
  };
}

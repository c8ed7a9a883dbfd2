import { Logger } from '@aws-lambda-powertools/logger';
import { vi } from 'vitest';

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

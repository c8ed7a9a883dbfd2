import { Logger } from '@aws-lambda-powertools/logger';
import { vi } from 'vitest';

/** A Powertools logger whose error lines are captured as parsed JSON instead of printed. */
export function capturingLogger(): {
  logger: Logger;
  errors: () => Record<string, unknown>[];
  restore: () => void;
} {
  // With POWERTOOLS_DEV the logger writes through the global console, which a test can capture.
  process.env.POWERTOOLS_DEV = 'true';
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  const logger = new Logger({ serviceName: 'dms2bq-loader-test', logLevel: 'ERROR' });
  delete process.env.POWERTOOLS_DEV;
  return {
    logger,
    errors: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => spy.mockRestore(),
  };
}

import { soakMarkdown } from './markdown.js';
import { parseSoakArgs, SoakInputError } from './options.js';
import { runSoak } from './soak.js';

/**
 * `npm run soak [-- --days 30 --no-widen …]`: days of simulated DMS traffic through the local
 * pipeline on the emulator's clock (ADR 0050). Prints a line per day and, at the end, the section
 * for docs/performance.md; exits 1 when any day's check failed, 2 on bad options.
 */
let options: ReturnType<typeof parseSoakArgs>;
try {
  options = parseSoakArgs(process.argv.slice(2));
} catch (error) {
  if (error instanceof SoakInputError) {
    process.stderr.write(`soak: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
const report = await runSoak(options, (line) => process.stdout.write(`${line}\n`));
process.stdout.write(`\n${soakMarkdown(report)}\n`);
process.exit(report.passed ? 0 : 1);

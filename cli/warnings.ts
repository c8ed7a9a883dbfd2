import { DEBUG_ENV, oneLine } from './failure.js';

/**
 * Warnings that say nothing to an operator: the AWS SDK's notice that its releases after January
 * 2027 need Node 22 (package.json pins the SDK), and gcp-metadata's failed probe for a GCE metadata
 * server when not on Google Cloud.
 */
const NOISE = [/^NodeVersionSupportWarning/, /^MetadataLookupWarning$/];

/**
 * Node prints each process warning over several lines with a `--trace-warnings` hint; the CLI
 * prints the useful ones as one line and drops the known noise (all of them with DMS2BQ_DEBUG=1).
 */
export function installWarningPrinter(write: (text: string) => void): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    const debug = process.env[DEBUG_ENV] === '1';
    const noise = NOISE.some((pattern) => pattern.test(warning.name) || pattern.test(warning.message));
    if (noise && !debug) return;
    write(`warning: ${warning.name}: ${oneLine(warning.message)}\n`);
  });
}

import { startBigQueryEmulator } from './index.js';

/**
 * A bare emulator process: `tsx local/bigquery-emulator/serve.ts '{"port":0,"dbPath":"…"}'`.
 * It loads nothing but the emulator (the dms2bq CLI also loads every command's SDKs), which keeps its
 * memory its own, e.g. for the benchmark that samples its RSS. Prints the URL; stops on SIGTERM/SIGINT.
 */
const emulator = await startBigQueryEmulator(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`BigQuery emulator on ${emulator.url}\n`);
if (emulator.storageWrite !== undefined) {
  process.stdout.write(`Storage Write API on ${emulator.storageWrite.host}:${emulator.storageWrite.port}\n`);
}
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await emulator.stop();

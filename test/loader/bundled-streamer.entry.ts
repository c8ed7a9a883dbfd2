/**
 * Run by bundle.test.ts after esbuild bundled it as the Lambda functions are bundled: streams the
 * rows given in ROWS (JSON) to TARGET through the emulator at STORAGE_WRITE_ENDPOINT, prints the result.
 */
import { writerClientOptions } from '../../lambdas/loader/current-table/writer-options.js';
import {
  type CdcTarget,
  type ChangeRow,
  createCdcStreamer,
} from '../../lambdas/shared/bigquery/cdc-stream.js';

const streamer = createCdcStreamer(
  writerClientOptions({
    projectId: 'local-project',
    credentials: { kind: 'none' },
    plaintextEndpoint: process.env.STORAGE_WRITE_ENDPOINT ?? '',
  }),
);
const target = JSON.parse(process.env.TARGET ?? '{}') as CdcTarget;
const rows = JSON.parse(process.env.ROWS ?? '[]') as ChangeRow[];
const result = await streamer.append(target, [rows]);
await streamer.close();
process.stdout.write(`${JSON.stringify(result)}\n`);

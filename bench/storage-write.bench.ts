import { BigQuery } from '@google-cloud/bigquery';
import { adapt, managedwriter } from '@google-cloud/bigquery-storage';
import { dmsChangeSequence } from '../lambdas/shared/bigquery/change-sequence.js';
import { startBigQueryEmulator } from '../local/bigquery-emulator/index.js';
import type { BenchResult } from './run.js';

const appends = 300;
const rowsPerAppend = 10;
const keys = 1_000;

const percentile = (values: number[], p: number): number =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? 0;
const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * Local freshness of a BigQuery CDC table: the production managed writer appends UPSERTs with
 * sequence numbers to the emulator's default stream, and the production BigQuery client queries
 * until the append's last row is visible. Jobs run without the emulator's state delay, so the figure
 * is the Storage Write round trip plus one query.
 */
export default async function storageWriteBench(): Promise<BenchResult> {
  const emulator = await startBigQueryEmulator({ storageWrite: true, jobStateDelayMs: 0 });
  const endpoint = emulator.storageWrite;
  if (endpoint === undefined) throw new Error('the emulator did not start the Storage Write API');
  const bigquery = new BigQuery(emulator.clientOptions);
  const client = new managedwriter.WriterClient(endpoint.clientOptions);
  try {
    const fields = [
      { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
      { name: 'version', type: 'INTEGER' },
    ];
    await bigquery.createDataset('bench');
    await bigquery.dataset('bench').createTable('current', {
      schema: { fields },
      tableConstraints: { primaryKey: { columns: ['id'] } },
      clustering: { fields: ['id'] },
    });
    const descriptor = adapt.convertStorageSchemaToProto2Descriptor(
      adapt.convertBigQuerySchemaToStorageTableSchema({ fields }),
      'root',
      adapt.withChangeType(),
      adapt.withChangeSequenceNumber(),
    );
    const connection = await client.createStreamConnection({
      streamId: managedwriter.DefaultStream,
      destinationTable: `projects/${emulator.projectId}/datasets/bench/tables/current`,
    });
    const writer = new managedwriter.JSONWriter({ connection, protoDescriptor: descriptor });
    const ack: number[] = [];
    const visible: number[] = [];
    for (let append = 0; append < appends; append += 1) {
      const rows = Array.from({ length: rowsPerAppend }, (_, index) => {
        const n = append * rowsPerAppend + index;
        const timestamp = new Date(Date.UTC(2024, 0, 1) + n)
          .toISOString()
          .replace('T', ' ')
          .replace('Z', '000');
        return {
          id: n % keys,
          version: n,
          _CHANGE_TYPE: 'UPSERT',
          _CHANGE_SEQUENCE_NUMBER: dmsChangeSequence(timestamp, ''),
        };
      });
      const last = rows[rows.length - 1];
      const start = process.hrtime.bigint();
      const result = await writer.appendRows(rows).getResult();
      if (result.error) throw new Error(`append failed: ${result.error.message}`);
      ack.push(elapsedMs(start));
      for (;;) {
        const [found] = await bigquery.query(`SELECT version FROM bench.current WHERE id = ${last?.id}`);
        if (found[0]?.version === last?.version) break;
      }
      visible.push(elapsedMs(start));
    }
    writer.close();
    const ms = (value: number): string => value.toFixed(1);
    return {
      title: 'BigQuery emulator: Storage Write API to a CDC table',
      markdown: [
        `${appends} appends of ${rowsPerAppend} UPSERTs (${keys} keys, DMS-derived sequence numbers) through \`@google-cloud/bigquery-storage\`'s JSONWriter, each followed by queries through \`@google-cloud/bigquery\` until its last row is visible. Not a target: the emulator applies each append before acknowledging it, so local reads are always fresh (\`max_staleness\` does not apply).`,
        '',
        '| | median | p95 |',
        '| --- | --- | --- |',
        `| append acknowledged | ${ms(percentile(ack, 0.5))} ms | ${ms(percentile(ack, 0.95))} ms |`,
        `| append → visible in a query | ${ms(percentile(visible, 0.5))} ms | ${ms(percentile(visible, 0.95))} ms |`,
      ].join('\n'),
    };
  } finally {
    client.close();
    await emulator.stop();
  }
}

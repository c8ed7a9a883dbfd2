import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigQuery, TableMetadata } from '@google-cloud/bigquery';
import { registerWarehouseCommand } from '../../cli/commands/operate/warehouse.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { EmulatorClock } from '../../local/bigquery-emulator/clock.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { uploadAndWait } from '../bigquery-emulator/helpers.js';
import { type CliRun, runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

/** apply's lines about `_current`: the `_history` view beside it has its own tests (warehouse-history.test.ts). */
export const lines = (stdout: string) =>
  stdout.split('\n').filter((line) => line !== '' && !line.includes(' history view '));

/** The `shop` source in table mode, one `sales.orders` table with declared columns; tests vary the rest. */
export const shop = (overrides: Partial<SourceMapping['bigquery']> = {}, table = {}): SourceMapping =>
  sourceMappingFactory({
    bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: '15m', ...overrides },
    tables: [
      tableMappingFactory({
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'status', type: 'varchar(16)' },
        ],
        ...table,
      }),
    ],
  });

/** One DMS change row of `shop`'s orders, as a DuckDB select list. */
export const changeRow = `'I' AS Op, '2026-11-30 10:00:00.000000' AS _dms_timestamp, 1::BIGINT AS id, 'new' AS status, '' AS _dms_change_seq`;

export interface CurrentTableFixture {
  emulator: BigQueryEmulator;
  bigquery: BigQuery;
  /** `dms2bq warehouse apply` of this one mapping against the emulator. */
  apply(mapping: SourceMapping, extraArgs?: string[]): Promise<CliRun>;
  /** `--storage-write-endpoint` of the emulator's Storage Write API. */
  storageWriteEndpoint: string;
  metadataOf(table: string): Promise<TableMetadata>;
  /** A DMS-shaped Parquet file (DuckDB's writer) loaded into the changelog as the loader loads it. */
  loadChangelog(select: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startCurrentTableFixture(): Promise<CurrentTableFixture> {
  // No schema propagation delay, stated: `warehouse apply --backfill` streams right after creating the
  // CDC table, which BigQuery refuses for minutes after a drop (ADR 0028); the next issue handles it.
  const emulator = await startBigQueryEmulator({
    port: 0,
    jobStateDelayMs: 0,
    storageWrite: true,
    clock: new EmulatorClock(),
    schemaPropagationSeconds: 0,
  });
  const bigquery = createBigQueryClient({
    projectId: emulator.projectId,
    location: 'US',
    credentials: { kind: 'none' },
    apiEndpoint: emulator.url,
  });
  const dir = await mkdtemp(join(tmpdir(), 'warehouse-current-'));
  let files = 0;
  return {
    emulator,
    bigquery,
    storageWriteEndpoint: `${emulator.storageWrite?.host}:${emulator.storageWrite?.port}`,
    async apply(mapping, extraArgs = []) {
      const mappings = await mappingDir({ [`${mapping.source}.json`]: mapping });
      return runDms2bq(
        [registerWarehouseCommand],
        ['warehouse', 'apply', '--endpoint', emulator.url, '--mappings', mappings.dir, ...extraArgs],
      ).finally(mappings.cleanup);
    },
    async metadataOf(table) {
      return (await bigquery.dataset('shop_cdc').table(table).getMetadata())[0];
    },
    async loadChangelog(select) {
      files += 1;
      const path = join(dir, `file-${files}.parquet`);
      await emulator.query(`COPY (${select}) TO '${path}' (FORMAT PARQUET)`);
      await uploadAndWait(bigquery.dataset('shop_cdc').table('orders'), path, {
        sourceFormat: 'PARQUET',
        writeDisposition: 'WRITE_APPEND',
        schemaUpdateOptions: ['ALLOW_FIELD_ADDITION'],
      });
    },
    async stop() {
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

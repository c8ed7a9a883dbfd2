import type { TableField, TableMetadata } from '@google-cloud/bigquery';
import { adapt, managedwriter, type protos } from '@google-cloud/bigquery-storage';
import type { JSONPrimitive } from '@google-cloud/bigquery-storage/build/src/managedwriter/json_writer.js';
import type { EmulatorFixture } from './helpers.js';

export type Row = Record<string, JSONPrimitive>;
export type AppendResponse = protos.google.cloud.bigquery.storage.v1.IAppendRowsResponse;

/** The production managed writer pointed at the emulator's Storage Write API. */
export function writerClient(fixture: EmulatorFixture): managedwriter.WriterClient {
  const endpoint = fixture.emulator.storageWrite;
  if (endpoint === undefined) throw new Error('start the emulator with storageWrite: true');
  return new managedwriter.WriterClient(endpoint.clientOptions);
}

/** Creates a table through tables.insert, with a primary key when `primaryKey` is given. */
export async function createTable(
  fixture: EmulatorFixture,
  datasetId: string,
  tableId: string,
  fields: TableField[],
  primaryKey?: string[],
): Promise<void> {
  const metadata: TableMetadata = { schema: { fields } };
  if (primaryKey !== undefined) {
    Object.assign(metadata, {
      tableConstraints: { primaryKey: { columns: primaryKey } },
      clustering: { fields: primaryKey },
      maxStaleness: '0-0 0 0:15:0',
    });
  }
  await fixture.bigquery.dataset(datasetId).createTable(tableId, metadata);
}

export interface TableWriter {
  append(rows: Row[], offset?: number): Promise<AppendResponse>;
  close(): void;
}

/**
 * A JSONWriter on the table's default stream, its proto descriptor built by the client's adapt
 * module from the table's schema, plus the CDC pseudo-columns when `cdc` is set.
 */
export async function openWriter(
  fixture: EmulatorFixture,
  client: managedwriter.WriterClient,
  datasetId: string,
  tableId: string,
  options: { cdc: boolean; sequence?: boolean; fields?: TableField[] },
): Promise<TableWriter> {
  const fields =
    options.fields ??
    ((await fixture.bigquery.dataset(datasetId).table(tableId).getMetadata())[0].schema
      .fields as TableField[]);
  const storageSchema = adapt.convertBigQuerySchemaToStorageTableSchema({ fields });
  const pseudoColumns = options.cdc ? [adapt.withChangeType()] : [];
  if (options.cdc && options.sequence !== false) pseudoColumns.push(adapt.withChangeSequenceNumber());
  const protoDescriptor = adapt.convertStorageSchemaToProto2Descriptor(
    storageSchema,
    'root',
    ...pseudoColumns,
  );
  const destinationTable = `projects/${fixture.emulator.projectId}/datasets/${datasetId}/tables/${tableId}`;
  const connection = await client.createStreamConnection({
    streamId: managedwriter.DefaultStream,
    destinationTable,
  });
  const writer = new managedwriter.JSONWriter({ connection, protoDescriptor });
  return {
    append: (rows, offset) => writer.appendRows(rows, offset).getResult(),
    close: () => writer.close(),
  };
}

/** The table's rows through a query (the production client), ordered by `orderBy`. */
export async function tableRows(
  fixture: EmulatorFixture,
  datasetId: string,
  tableId: string,
  orderBy: string,
): Promise<Record<string, unknown>[]> {
  const [rows] = await fixture.bigquery.query(
    `SELECT * FROM \`${datasetId}.${tableId}\` ORDER BY ${orderBy}`,
  );
  return rows as Record<string, unknown>[];
}

export const upsert = (row: Row, sequence?: string): Row => ({
  ...row,
  _CHANGE_TYPE: 'UPSERT',
  ...(sequence === undefined ? {} : { _CHANGE_SEQUENCE_NUMBER: sequence }),
});
export const remove = (row: Row, sequence?: string): Row => ({
  ...row,
  _CHANGE_TYPE: 'DELETE',
  ...(sequence === undefined ? {} : { _CHANGE_SEQUENCE_NUMBER: sequence }),
});

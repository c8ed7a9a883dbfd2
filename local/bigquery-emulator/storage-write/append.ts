import { status } from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
import type { EmulatorClock } from '../clock.js';
import type { Catalog } from '../store/catalog.js';
import type { TableResource } from '../store/resources.js';
import type { SchemaHistory } from '../store/schema-history.js';
import { inTransaction, type Warehouse } from '../store/warehouse.js';
import { appendRows, applyChanges } from './apply.js';
import { decodeRows, planWriter } from './decode.js';
import { entity, invalidArgument, StorageWriteError } from './errors.js';
import { rowType } from './protos.js';

/** AppendRowsRequest as protobufjs `toObject` gives it (camelCase, int64 as strings, bytes as Buffers). */
export interface AppendRowsRequest {
  writeStream?: string;
  offset?: { value?: string };
  protoRows?: {
    writerSchema?: { protoDescriptor?: Record<string, unknown> };
    rows?: { serializedRows?: Buffer[] };
  };
  arrowRows?: unknown;
}

export interface AppendRowsResponse {
  appendResult?: Record<string, never>;
  error?: { code: number; message: string };
  rowErrors?: { index: string; code: 'FIELDS_ERROR'; message: string }[];
  writeStream: string;
}

/** The clock the time rules read, and how long schema changes take to reach the API (ADR 0028). */
export interface StorageWriteTiming {
  clock: EmulatorClock;
  history: SchemaHistory;
  delayMs: number;
}

const STREAM_NAME = /^projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)\/streams\/([^/]+)$/;

/** The table behind a `…/streams/_default` name; application-created streams are not emulated. */
export function defaultStreamTable(catalog: Catalog, streamName: string): TableResource {
  const match = STREAM_NAME.exec(streamName);
  const notFound = new StorageWriteError(
    status.NOT_FOUND,
    `Requested entity was not found.${entity(streamName)}`,
  );
  if (match === null) {
    throw invalidArgument(
      `Invalid stream name "${streamName}": expected projects/{project}/datasets/{dataset}/tables/{table}/streams/_default`,
    );
  }
  const [, projectId, datasetId = '', tableId = '', streamId] = match;
  if (projectId !== catalog.projectId || streamId !== '_default') throw notFound;
  const table = catalog.findTable(datasetId, tableId);
  if (table === undefined || table.type !== 'TABLE') throw notFound;
  return table;
}

/**
 * A table created again under a dropped name, before the Storage Write API knows it: refused as the
 * table not being found (BigQuery's exact answer here is unverified, ADR 0028).
 */
const notYetPropagated = (streamName: string): StorageWriteError =>
  new StorageWriteError(status.NOT_FOUND, `Requested entity was not found.${entity(streamName)}`);

/**
 * One AppendRows connection: remembers the stream of earlier requests (later requests may omit it)
 * and the writer schema of the first one, which stays the connection's: "The `writer_schema` field
 * must be specified at the initial request and currently, it will be ignored if specified in
 * following requests" (storage.proto). The Node client reconnects when its descriptor changes.
 * Each request's rows are applied atomically, in one DuckDB transaction.
 */
export class AppendConnection {
  private streamName = '';
  private type: protobuf.Type | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly warehouse: Warehouse,
    private readonly timing: StorageWriteTiming,
  ) {}

  async handle(request: AppendRowsRequest): Promise<AppendRowsResponse> {
    if (request.writeStream) this.streamName = request.writeStream;
    const writeStream = this.streamName;
    try {
      await this.append(request);
      return { appendResult: {}, writeStream };
    } catch (error) {
      const failure =
        error instanceof StorageWriteError
          ? error
          : new StorageWriteError(status.INTERNAL, (error as Error).message);
      return {
        error: { code: failure.code, message: failure.message },
        ...(failure.rows.length > 0
          ? {
              rowErrors: failure.rows.map((row) => ({
                index: String(row.index),
                code: 'FIELDS_ERROR' as const,
                message: row.message,
              })),
            }
          : {}),
        writeStream,
      };
    }
  }

  private async append(request: AppendRowsRequest): Promise<void> {
    if (this.streamName === '') throw invalidArgument('The first AppendRows request must name write_stream');
    if (request.arrowRows !== undefined) {
      throw invalidArgument(
        'The BigQuery emulator accepts proto_rows only (CDC ingestion requires protobuf)',
      );
    }
    const descriptor = request.protoRows?.writerSchema?.protoDescriptor;
    if (this.type === undefined && descriptor !== undefined) this.type = rowType(descriptor);
    const type = this.type;
    if (type === undefined) {
      throw invalidArgument(
        `The first AppendRows request must carry proto_rows.writer_schema${entity(this.streamName)}`,
      );
    }
    const offset = request.offset?.value;
    if (offset !== undefined) {
      throw invalidArgument(
        `Specifying an offset is not allowed when calling AppendRows for the '_default' stream${entity(this.streamName)}`,
      );
    }
    const serialized = request.protoRows?.rows?.serializedRows ?? [];
    const streamName = this.streamName;
    await this.warehouse.exclusive(async (connection) => {
      // Resolved inside the exclusive write, so a table dropped meanwhile is not written to.
      const table = defaultStreamTable(this.catalog, streamName);
      const { clock, history, delayMs } = this.timing;
      const pending = delayMs > 0 ? await history.pending(connection, table, delayMs) : undefined;
      if (pending?.recreated) throw notYetPropagated(streamName);
      const plan = planWriter(table, type, streamName, pending?.columns);
      const rows = decodeRows(plan, table, serialized);
      if (rows.length === 0) return;
      await inTransaction(connection, () =>
        plan.cdc
          ? applyChanges(connection, table, plan, rows, clock.now())
          : appendRows(connection, table, rows),
      );
    });
  }
}

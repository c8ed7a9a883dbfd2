import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import type { FaultInjector } from '../faults.js';
import type { Catalog } from '../store/catalog.js';
import type { Warehouse } from '../store/warehouse.js';
import {
  AppendConnection,
  type AppendRowsRequest,
  type AppendRowsResponse,
  defaultStreamTable,
  type StorageWriteTiming,
} from './append.js';
import { createSequenceStore, forgetSequences } from './apply.js';
import { StorageWriteError } from './errors.js';
import { bigQueryWriteService } from './protos.js';

const APPEND_ROWS_REQUEST_LIMIT = 10_000_000;

/** BigQuery column types as the Storage API's TableFieldSchema.Type names them. */
const storageTypeNames: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'DOUBLE', BOOLEAN: 'BOOL' };

/** What the server has seen since it started, for tests to check a client's use of connections. */
export interface StorageWriteStats {
  /** AppendRows calls (bidirectional streams, "connections") opened. */
  readonly connections: number;
  /** AppendRows calls not yet ended, cancelled or failed. */
  readonly openConnections: number;
  /** AppendRows requests received, injected faults included. */
  readonly requests: number;
}

export interface StorageWriteServer {
  host: string;
  port: number;
  stats: StorageWriteStats;
  stop(): Promise<void>;
}

function serviceError(error: unknown): Partial<ServiceError> {
  if (error instanceof StorageWriteError) return { code: error.code, details: error.message };
  return { code: status.INTERNAL, details: (error as Error).message };
}

/**
 * The Storage Write API (`google.cloud.bigquery.storage.v1.BigQueryWrite`) over gRPC without TLS:
 * AppendRows and GetWriteStream on tables' default streams. Other methods answer UNIMPLEMENTED.
 */
export async function startStorageWriteServer(
  catalog: Catalog,
  warehouse: Warehouse,
  host: string,
  timing: StorageWriteTiming,
  faults?: FaultInjector,
): Promise<StorageWriteServer> {
  await warehouse.exclusive(createSequenceStore);
  catalog.onTableDropped(forgetSequences);
  // "The size of a single AppendRowsRequest must be less than 10 MB" (AppendRowsRequest reference):
  // grpc-js's default of 4 MiB would refuse requests BigQuery accepts.
  const server = new Server({ 'grpc.max_receive_message_length': APPEND_ROWS_REQUEST_LIMIT });
  // Appends still being applied when the emulator stops: the database must outlive them.
  const inFlight = new Set<Promise<unknown>>();
  const stats = { connections: 0, openConnections: 0, requests: 0 };
  server.addService(bigQueryWriteService, {
    AppendRows: (call: ServerDuplexStream<AppendRowsRequest, AppendRowsResponse>) => {
      const connection = new AppendConnection(catalog, warehouse, timing);
      stats.connections += 1;
      stats.openConnections += 1;
      let open = true;
      // A client ends a call by half-closing it or by cancelling it; a broken one fails.
      const closed = (): void => {
        if (open) stats.openConnections -= 1;
        open = false;
      };
      call.on('end', closed);
      call.on('cancelled', closed);
      call.on('close', closed);
      // Responses arrive in request order, as the API promises.
      let queue: Promise<unknown> = Promise.resolve();
      call.on('data', (request: AppendRowsRequest) => {
        stats.requests += 1;
        const next = queue.then(async () => {
          // An injected fault refuses the request before it is looked at, as a backend failure would.
          const fault = faults?.takeAppendRows();
          const response = fault
            ? { error: fault, writeStream: request.writeStream ?? '' }
            : await connection.handle(request);
          if (!call.destroyed) call.write(response);
        });
        const settled: Promise<unknown> = next.then(
          (): boolean => inFlight.delete(settled),
          (): boolean => inFlight.delete(settled),
        );
        inFlight.add(settled);
        queue = settled;
      });
      call.on('end', () => {
        void queue.then(() => call.end());
      });
      call.on('error', closed);
    },
    GetWriteStream: (
      call: ServerUnaryCall<{ name?: string; view?: string }, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      try {
        const name = call.request.name ?? '';
        const table = defaultStreamTable(catalog, name);
        const created = Number(table.creationTime);
        callback(null, {
          name,
          type: 'COMMITTED',
          createTime: { seconds: String(Math.floor(created / 1000)), nanos: (created % 1000) * 1_000_000 },
          writeMode: 'INSERT',
          location: table.location,
          ...(call.request.view === 'FULL'
            ? {
                tableSchema: {
                  fields: table.schema.fields.map((field) => ({
                    name: field.name,
                    type: storageTypeNames[field.type] ?? field.type,
                    mode: field.mode ?? 'NULLABLE',
                  })),
                },
              }
            : {}),
        });
      } catch (error) {
        callback(serviceError(error), null);
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:0`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    host,
    port,
    stats,
    stop: async () => {
      await new Promise<void>((resolve) => {
        // Clients may keep AppendRows connections open; give them a moment, then cut them.
        const force = setTimeout(() => server.forceShutdown(), 500);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await Promise.allSettled(inFlight);
    },
  };
}

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

export interface StorageWriteServer {
  host: string;
  port: number;
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
  server.addService(bigQueryWriteService, {
    AppendRows: (call: ServerDuplexStream<AppendRowsRequest, AppendRowsResponse>) => {
      const connection = new AppendConnection(catalog, warehouse, timing);
      // Responses arrive in request order, as the API promises.
      let queue: Promise<unknown> = Promise.resolve();
      call.on('data', (request: AppendRowsRequest) => {
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
      call.on('error', () => undefined);
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

import { adapt, managedwriter } from '@google-cloud/bigquery-storage';
import { CdcStreamError, grpcCodeName, refusedAppend } from './cdc-errors.js';
import type { CdcStreamResult, CdcTarget, ChangeRow } from './cdc-stream.js';
import { CdcValueError, type RowEncoder, rowEncoder } from './cdc-values.js';

type StreamConnection = Awaited<ReturnType<managedwriter.WriterClient['createStreamConnection']>>;

/** Requests on the wire before waiting for the oldest's answer: bounds memory to ~3 budgets. */
const MAX_IN_FLIGHT = 3;

interface Sent {
  result: Promise<unknown>;
  firstRow: number;
}

/**
 * One table's default-stream connection, opened on first use and reused by every later append in
 * the container ("reuse connections", Storage Write API best practices). Appends to the same table
 * run one after another: a new writer schema reconnects, which must not strand requests in flight.
 */
export class TableStream {
  private connection: Promise<StreamConnection> | undefined;
  private writer: managedwriter.Writer | undefined;
  private schemaKey = '';
  private encoder: RowEncoder = rowEncoder('', []);
  private queue: Promise<unknown> = Promise.resolve();
  /** The connection's last RPC error: the client's "max retries reached" error carries no code. */
  private lastConnectionError: { code?: unknown; message?: unknown } | undefined;

  constructor(
    private readonly client: managedwriter.WriterClient,
    private readonly name: string,
  ) {}

  append(
    target: CdcTarget,
    batches: AsyncIterable<ChangeRow[]> | Iterable<ChangeRow[]>,
    budget: number,
  ): Promise<CdcStreamResult> {
    const run = this.queue.then(() => this.appendAll(target, batches, budget));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.writer?.close();
  }

  private async appendAll(
    target: CdcTarget,
    batches: AsyncIterable<ChangeRow[]> | Iterable<ChangeRow[]>,
    budget: number,
  ): Promise<CdcStreamResult> {
    const { writer, encoder } = await this.writerFor(target);
    this.lastConnectionError = undefined;
    const inFlight: Sent[] = [];
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let rows = 0;
    let requests = 0;
    let firstPendingRow = 0;

    const send = async (): Promise<void> => {
      if (pending.length === 0) return;
      inFlight.push({
        result: writer.appendRows({ serializedRows: pending }).getResult(),
        firstRow: firstPendingRow,
      });
      // A refusal settles its promise before anyone awaits it; keep Node from calling it unhandled.
      inFlight.at(-1)?.result.catch(() => undefined);
      requests += 1;
      firstPendingRow = rows;
      pending = [];
      pendingBytes = 0;
      if (inFlight.length >= MAX_IN_FLIGHT) await this.settle(inFlight.shift());
    };

    try {
      for await (const batch of batches) {
        for (const row of batch) {
          const encoded = this.encode(encoder, row, rows);
          const size = encoded.length + 6; // tag and length prefix of a repeated bytes entry
          if (size > budget) {
            throw new CdcStreamError(
              'INVALID_ARGUMENT',
              `row ${rows} for ${this.name} is ${encoded.length} bytes, more than an AppendRows request may carry (${budget} bytes of rows)`,
            );
          }
          if (pendingBytes + size > budget) await send();
          pending.push(encoded);
          pendingBytes += size;
          rows += 1;
        }
      }
      await send();
      while (inFlight.length > 0) await this.settle(inFlight.shift());
      return { rows, requests };
    } finally {
      await Promise.allSettled(inFlight.map((sent) => sent.result));
    }
  }

  private encode(encoder: RowEncoder, row: ChangeRow, index: number): Uint8Array {
    try {
      return encoder.encode(row.values, row.changeType, row.sequence);
    } catch (error) {
      if (error instanceof CdcValueError) {
        throw new CdcStreamError('INVALID_ARGUMENT', `row ${index} for ${this.name}: ${error.message}`);
      }
      throw error;
    }
  }

  private async settle(sent: Sent | undefined): Promise<void> {
    if (sent === undefined) return;
    let response: {
      error?: { code?: unknown; message?: unknown } | null;
      rowErrors?: { index?: unknown; code?: unknown; message?: unknown }[] | null;
    };
    try {
      response = (await sent.result) as typeof response;
    } catch (error) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      const cause = code === undefined ? this.lastConnectionError : undefined;
      const detail =
        cause === undefined ? String(message) : `${String(message)} (last: ${String(cause.message)})`;
      throw new CdcStreamError(
        grpcCodeName(code ?? cause?.code),
        `AppendRows to ${this.name} failed: ${detail}`,
      );
    }
    if (response.error) {
      throw refusedAppend(
        this.name,
        response.error.code,
        response.error.message,
        response.rowErrors ?? [],
        sent.firstRow,
      );
    }
  }

  private async writerFor(target: CdcTarget): Promise<{ writer: managedwriter.Writer; encoder: RowEncoder }> {
    const key = JSON.stringify(target.fields.map((field) => [field.name, field.type, field.mode]));
    this.connection ??= this.client.createStreamConnection({
      streamId: managedwriter.DefaultStream,
      destinationTable: this.name,
    });
    let connection: StreamConnection;
    try {
      connection = await this.connection;
    } catch (error) {
      this.connection = undefined;
      throw new CdcStreamError(
        grpcCodeName((error as { code?: unknown }).code),
        `Opening the default stream of ${this.name} failed: ${(error as Error).message}`,
      );
    }
    if (this.writer === undefined) {
      // Without a listener, an RPC error arriving between appends would be thrown by the emitter.
      connection.onConnectionError((error) => {
        this.lastConnectionError = error;
      });
    }
    if (this.writer === undefined || key !== this.schemaKey) {
      this.encoder = rowEncoder(this.name, target.fields);
      // The pseudo-columns are part of the descriptor itself; nothing rebuilds it behind our back
      // (JSONWriter would, on a server updated_schema, without them).
      const protoDescriptor = adapt.convertStorageSchemaToProto2Descriptor(
        adapt.convertBigQuerySchemaToStorageTableSchema({ fields: [...target.fields] }),
        'root',
        adapt.withChangeType(),
        adapt.withChangeSequenceNumber(),
      );
      if (this.writer === undefined) this.writer = new managedwriter.Writer({ connection, protoDescriptor });
      else this.writer.setProtoDescriptor(protoDescriptor);
      this.schemaKey = key;
    }
    return { writer: this.writer, encoder: this.encoder };
  }
}

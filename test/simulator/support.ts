import { S3Client } from '@aws-sdk/client-s3';
import { startFauxqs } from 'fauxqs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { parseDmsKey } from '../../lambdas/shared/dms/keys.js';
import type { MappingFile, SourceMapping } from '../../lambdas/shared/mappings/model.js';
import {
  canonicalValue,
  type FileSink,
  type GroundTruthTable,
  type JsonValue,
} from '../../local/simulator/index.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

/** Collects written files in memory, in write order. */
export function memorySink(): FileSink & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    async write(key, bytes) {
      files.set(key, bytes);
    },
  };
}

export function mappingFile(overrides: Partial<SourceMapping> = {}): MappingFile {
  return { file: 'mappings/test.json', mapping: sourceMappingFactory(overrides) };
}

/** A source with one table of every column type the simulator supports, plus an excluded column. */
export function allTypesMapping(): MappingFile {
  return mappingFile({
    source: 'alltypes',
    dms: { cdcMaxBatchIntervalSeconds: 60 },
    tables: [
      tableMappingFactory({
        schema: 'kinds',
        table: 'every_type',
        primaryKey: ['id'],
        excludeColumns: ['secret'],
        columns: [
          { name: 'id', type: 'bigint' },
          { name: 'small', type: 'smallint' },
          { name: 'tiny', type: 'tinyint' },
          { name: 'flag', type: 'tinyint(1)' },
          { name: 'count', type: 'int unsigned' },
          { name: 'amount', type: 'decimal(18,2)', nullable: true },
          { name: 'ratio', type: 'decimal(38,10)' },
          { name: 'narrow', type: 'decimal(5,2)' },
          { name: 'score', type: 'double' },
          { name: 'weight', type: 'float' },
          { name: 'bit', type: 'bit(1)' },
          { name: 'day', type: 'date', nullable: true },
          { name: 'at', type: 'datetime' },
          { name: 'at_micros', type: 'datetime(6)' },
          { name: 'name', type: 'varchar(32)', nullable: true },
          { name: 'code', type: 'char(2)' },
          { name: 'body', type: 'text' },
          { name: 'doc', type: 'json', nullable: true },
          { name: 'state', type: "enum('a','b','c')" },
          { name: 'tags', type: "set('x','y')" },
          { name: 'clock', type: 'time' },
          { name: 'yr', type: 'year' },
          { name: 'raw', type: 'varbinary(16)' },
          { name: 'secret', type: 'varchar(64)' },
        ],
      }),
    ],
  });
}

export type Row = Record<string, unknown>;

export async function readRows(bytes: Uint8Array): Promise<Row[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  // Timestamps as raw microseconds: the default Date would drop DATETIME(6)'s last three digits.
  const parsers = { timestampFromMicroseconds: (micros: bigint) => micros };
  return parquetReadObjects({ file, compressors, utf8: false, parsers }) as Promise<Row[]>;
}

export function readMetadata(bytes: Uint8Array) {
  return parquetMetadata(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
}

const decoder = new TextDecoder();
const text = (value: unknown): string =>
  value instanceof Uint8Array ? decoder.decode(value) : String(value);

/** A table's files in the order DMS wrote them: LOAD files by counter, then CDC files by time. */
export function tableFiles(files: Map<string, Uint8Array>, route: string): [string, Uint8Array][] {
  return [...files]
    .filter(([key]) => key.startsWith(`${route}/`))
    .sort(([a], [b]) => {
      const [ka, kb] = [parseDmsKey(a), parseDmsKey(b)];
      if (ka.kind !== kb.kind) return ka.kind === 'load' ? -1 : 1;
      return ka.stem < kb.stem ? -1 : ka.stem > kb.stem ? 1 : 0;
    });
}

/**
 * Replays a table's files as the `_current` view does: the latest row per primary key by
 * (_dms_timestamp, _dms_change_seq), deletes dropped; rows in canonical form, sorted by key.
 */
export async function replay(files: Map<string, Uint8Array>, route: string, truth: GroundTruthTable) {
  const changes: { ts: string; seq: string; op: string; row: Row }[] = [];
  for (const [, bytes] of tableFiles(files, route)) {
    for (const row of await readRows(bytes)) {
      changes.push({ ts: text(row._dms_timestamp), seq: text(row._dms_change_seq), op: text(row.Op), row });
    }
  }
  changes.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  const current = new Map<string, Record<string, JsonValue>>();
  for (const { op, row } of changes) {
    const canonical: Record<string, JsonValue> = {};
    for (const { name, type } of truth.columns) {
      const value = row[name];
      const isText = !/binary|blob/.test(type) && value instanceof Uint8Array;
      canonical[name] = canonicalValue(type, isText ? text(value) : (value as never));
    }
    const key = JSON.stringify(truth.primaryKey.map((name) => canonical[name]));
    if (op === 'D') current.delete(key);
    else current.set(key, canonical);
  }
  return [...current.values()].sort((a, b) => {
    for (const name of truth.primaryKey) {
      const [x, y] = [a[name] as number | string, b[name] as number | string];
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

/** fauxqs on a free port with one bucket, and an S3 client for it; `stop` releases both. */
export async function startS3Fixture(
  bucket: string,
): Promise<{ endpoint: string; s3: S3Client; stop: () => Promise<void> }> {
  const server = await startFauxqs({ port: 0, logger: false });
  server.createBucket(bucket);
  const s3 = new S3Client({
    endpoint: server.address,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return {
    endpoint: server.address,
    s3,
    stop: async () => {
      s3.destroy();
      await server.stop();
    },
  };
}

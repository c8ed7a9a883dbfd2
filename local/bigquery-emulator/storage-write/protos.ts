import { createRequire } from 'node:module';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor';

const require = createRequire(import.meta.url);

/**
 * The Storage Write API's messages as the production client itself knows them: the JSON form of the
 * `.proto` files that `@google-cloud/bigquery-storage` ships (build/protos/protos.json, the root its
 * generated client loads), read with the protobufjs it depends on. Server and client therefore
 * agree on every field number by construction.
 */
const root = protobuf.Root.fromJSON(require('@google-cloud/bigquery-storage/build/protos/protos.json'));

const v1 = 'google.cloud.bigquery.storage.v1';
export const types = {
  appendRowsRequest: root.lookupType(`${v1}.AppendRowsRequest`),
  appendRowsResponse: root.lookupType(`${v1}.AppendRowsResponse`),
  getWriteStreamRequest: root.lookupType(`${v1}.GetWriteStreamRequest`),
  writeStream: root.lookupType(`${v1}.WriteStream`),
  descriptorProto: root.lookupType('google.protobuf.DescriptorProto'),
};

const toObject = (type: protobuf.Type) => (bytes: Buffer) =>
  type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: Buffer, defaults: false });

function method<Req, Res>(
  name: string,
  request: protobuf.Type,
  response: protobuf.Type,
  streaming: boolean,
): MethodDefinition<Req, Res> {
  return {
    path: `/${v1}.BigQueryWrite/${name}`,
    requestStream: streaming,
    responseStream: streaming,
    requestSerialize: (value: Req) =>
      Buffer.from(request.encode(request.fromObject(value as object)).finish()),
    requestDeserialize: toObject(request) as (bytes: Buffer) => Req,
    responseSerialize: (value: Res) =>
      Buffer.from(response.encode(response.fromObject(value as object)).finish()),
    responseDeserialize: toObject(response) as (bytes: Buffer) => Res,
  };
}

/** The methods of `BigQueryWrite` the emulator serves; the others answer UNIMPLEMENTED. */
export const bigQueryWriteService: ServiceDefinition = {
  AppendRows: method('AppendRows', types.appendRowsRequest, types.appendRowsResponse, true),
  GetWriteStream: method('GetWriteStream', types.getWriteStreamRequest, types.writeStream, false),
};

/** `Type.fromDescriptor`, which `protobufjs/ext/descriptor` adds to Type when imported (above). */
const fromDescriptor: unknown = Reflect.get(protobuf.Type, 'fromDescriptor');

/** A protobufjs type for a writer's DescriptorProto (proto2, as the client's adapt module builds it). */
export function rowType(descriptor: Record<string, unknown>): protobuf.Type {
  const bytes = types.descriptorProto.encode(types.descriptorProto.fromObject(descriptor)).finish();
  if (typeof fromDescriptor !== 'function') throw new Error('protobufjs/ext/descriptor did not load');
  const type: unknown = fromDescriptor.call(protobuf.Type, bytes);
  if (!(type instanceof protobuf.Type)) throw new Error('The writer schema is not a message descriptor');
  return type;
}

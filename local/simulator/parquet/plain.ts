import type { SchemaElement } from 'hyparquet';
import type { ByteWriter } from 'hyparquet-writer';
import type { SimValue } from '../values.js';

/**
 * PLAIN encoding of the simulator's values (see values.ts for how each type is held), written
 * straight from JS numbers and strings: no BigInt or Date per value.
 */

const TWO_32 = 0x1_0000_0000;

/** Bytes of a BYTE_ARRAY value: UTF-8 for strings, hex-decoded for binary columns. */
export function byteArrayOf(element: SchemaElement, value: SimValue): Uint8Array {
  return element.converted_type === 'UTF8'
    ? Buffer.from(value as string, 'utf8')
    : Buffer.from(value as string, 'hex');
}

/** Big-endian two's complement of a safe integer in `length` bytes (DECIMAL as FIXED_LEN_BYTE_ARRAY). */
function appendFixedDecimal(writer: ByteWriter, value: number, length: number): void {
  const high = Math.floor(value / TWO_32);
  const low = value - high * TWO_32;
  writer.ensure(length);
  const { view, index } = writer;
  const fill = value < 0 ? 0xff : 0;
  // [sign fill …][high 32 bits][low 32 bits], keeping the last `length` bytes
  for (let i = 0; i < length - 8; i++) view.setUint8(index + i, fill);
  if (length >= 8) {
    view.setInt32(index + length - 8, high);
    view.setUint32(index + length - 4, low);
  } else {
    const scratch = new DataView(new ArrayBuffer(8));
    scratch.setInt32(0, high);
    scratch.setUint32(4, low);
    for (let i = 0; i < length; i++) view.setUint8(index + i, scratch.getUint8(8 - length + i));
  }
  writer.index += length;
  writer.offset += length;
}

/** PLAIN BYTE_ARRAY values (4-byte length + bytes) encoded into one buffer. */
function appendByteArrays(writer: ByteWriter, element: SchemaElement, values: SimValue[]): void {
  const encoding = element.converted_type === 'UTF8' ? 'utf8' : 'hex';
  let total = 0;
  for (const value of values) total += 4 + Buffer.byteLength(value as string, encoding);
  const buffer = Buffer.allocUnsafe(total);
  let at = 0;
  for (const value of values) {
    const length = buffer.write(value as string, at + 4, encoding);
    buffer.writeUInt32LE(length, at);
    at += 4 + length;
  }
  writer.appendBytes(buffer);
}

/** Writes the non-null `values` (already filtered) in PLAIN encoding. */
export function writePlainValues(writer: ByteWriter, element: SchemaElement, values: SimValue[]): void {
  switch (element.type) {
    case 'INT32':
      for (const value of values) writer.appendInt32((value as number) | 0);
      return;
    case 'INT64':
      for (const value of values) {
        const high = Math.floor((value as number) / TWO_32);
        writer.appendUint32((value as number) - high * TWO_32);
        writer.appendInt32(high);
      }
      return;
    case 'FLOAT':
      for (const value of values) writer.appendFloat32(value as number);
      return;
    case 'DOUBLE':
      for (const value of values) writer.appendFloat64(value as number);
      return;
    case 'BOOLEAN': {
      let byte = 0;
      for (let i = 0; i < values.length; i++) {
        if (values[i]) byte |= 1 << (i % 8);
        if (i % 8 === 7) {
          writer.appendUint8(byte);
          byte = 0;
        }
      }
      if (values.length % 8) writer.appendUint8(byte);
      return;
    }
    case 'FIXED_LEN_BYTE_ARRAY':
      for (const value of values) appendFixedDecimal(writer, value as number, element.type_length ?? 16);
      return;
    case 'BYTE_ARRAY':
      appendByteArrays(writer, element, values);
      return;
    default:
      throw new TypeError(
        `column ${element.name}: Parquet type ${element.type} is not written by the simulator`,
      );
  }
}

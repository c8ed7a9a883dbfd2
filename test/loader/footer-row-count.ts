import { parquetMetadata } from 'hyparquet';

/**
 * Rewrites FileMetaData.num_rows (thrift compact: field 3, i64, header 0x16 after the schema list)
 * from `from` to `to`, both one-byte zigzag varints so the footer keeps its length; checked by
 * reading the footer back. What a writer bug or a file rewritten in place could leave: a footer
 * whose count differs from its row groups', which BigQuery and DuckDB read.
 */
export function withFooterRowCount(file: Uint8Array, from: number, to: number): Uint8Array {
  const bytes = file.slice();
  const footerLength = new DataView(bytes.buffer).getUint32(bytes.length - 8, true);
  const start = bytes.length - 8 - footerLength;
  const zigzag = (n: number) => n * 2;
  for (let at = start; at < bytes.length - 9; at++) {
    if (bytes[at] !== 0x16 || bytes[at + 1] !== zigzag(from)) continue;
    const candidate = bytes.slice();
    candidate[at + 1] = zigzag(to);
    const metadata = parquetMetadata(candidate.buffer);
    const groups = metadata.row_groups.reduce((sum, group) => sum + Number(group.num_rows), 0);
    if (Number(metadata.num_rows) === to && groups === from) return candidate;
  }
  throw new Error(`no num_rows ${from} in the footer`);
}

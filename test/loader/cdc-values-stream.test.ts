import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdcStreamer, createCdcStreamer } from '../../lambdas/shared/bigquery/cdc-stream.js';
import { type EmulatorFixture, startEmulatorFixture } from '../bigquery-emulator/helpers.js';
import { cdcTable, currentRows, rejection, upsert } from './cdc-stream-helpers.js';

/**
 * The value forms cdc-values.ts converts (a Date, integer and decimal text, a JSON object, a Buffer)
 * as they land in a CDC table through the production managed writer, and a refused value as the
 * streamer reports it: the row, the table, the column and the value, in one line.
 */
const fields = [
  { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'at', type: 'TIMESTAMP' },
  { name: 'amount', type: 'NUMERIC' },
  { name: 'doc', type: 'JSON' },
  { name: 'blob', type: 'BYTES' },
];

describe('canonical value forms through the CDC streamer', () => {
  let fixture: EmulatorFixture;
  let streamer: CdcStreamer;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ storageWrite: true });
    streamer = createCdcStreamer(fixture.emulator.storageWrite?.clientOptions ?? {});
  });
  afterAll(async () => {
    await streamer.close();
    await fixture.stop();
  });

  it('stores a Date to the microsecond, integer and decimal text, a JSON object and a Buffer', async () => {
    // Prepare
    const target = await cdcTable(fixture, fields);
    const values = {
      id: '+7',
      at: new Date(Date.UTC(2024, 2, 27, 1, 43, 5, 123)),
      amount: '+12.',
      doc: { a: [1, 'x'] },
      blob: Buffer.from([0, 255]),
    };

    // Act
    const result = await streamer.append(target, [[upsert(values, '1')]]);

    // Assess
    expect(result).toEqual({ rows: 1, requests: 1 });
    const [row = {}] = await currentRows(fixture, target);
    expect(row).toMatchObject({ id: 7, doc: '{"a":[1,"x"]}', blob: Buffer.from([0, 255]) });
    expect((row.at as { value: string }).value).toBe('2024-03-27T01:43:05.123Z');
    const [decimals] = await fixture.bigquery.query(
      `SELECT CAST(amount AS STRING) AS amount FROM \`${target.dataset}.${target.table}\``,
    );
    expect(decimals).toEqual([{ amount: '12' }]);
  });

  it('reports a value outside INT64 with its row, table, column and value, and appends nothing', async () => {
    // Prepare
    const target = await cdcTable(fixture, fields);

    // Act
    const error = await rejection(
      streamer.append(target, [[upsert({ id: 1 }, '1'), upsert({ id: '9223372036854775808' }, '1')]]),
    );

    // Assess
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
    expect(error.message).toBe(
      `INVALID_ARGUMENT: row 1 for projects/${target.projectId}/datasets/${target.dataset}/tables/${target.table}: column id: 9223372036854775808n is not within INT64`,
    );
    expect(await currentRows(fixture, target)).toEqual([]);
  });
});

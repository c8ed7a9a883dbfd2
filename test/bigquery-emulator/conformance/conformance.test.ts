import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorFixture, startEmulatorFixture } from '../helpers.js';
import type { ConformanceCase, ExpectedColumn } from './case.js';
import { dateTimeCases } from './datetime.cases.js';
import { fidelityCases } from './fidelity.cases.js';
import { functionCases } from './functions.cases.js';
import { jsonCases } from './json.cases.js';
import { semanticsCases } from './semantics.cases.js';
import { unsupportedCases } from './unsupported.cases.js';

type Cell = { v: string | null | Cell[] };
interface Field {
  name: string;
  type: string;
  mode?: string;
}

/** TIMESTAMP cells arrive as epoch micros (the client asks for them): shown as ISO for the comparison. */
const isoOfMicros = (micros: string): string => {
  const value = BigInt(micros);
  const fraction = ((value % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const seconds = (value - fraction) / 1_000_000n;
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}Z`;
};

function plain(cell: Cell, field: Field): string | null | string[] {
  if (Array.isArray(cell.v))
    return cell.v.map((item) => plain(item, { ...field, mode: 'NULLABLE' }) as string);
  if (cell.v === null) return null;
  if (field.type === 'TIMESTAMP') return isoOfMicros(cell.v);
  // The emulator prints DATETIME with six fractional digits; the cases compare whole seconds.
  if (field.type === 'DATETIME') return cell.v.replace(/\.000000$/, '');
  return cell.v;
}

function expectColumn(field: Field, cell: Cell, expected: ExpectedColumn): void {
  expect(field.type).toBe(expected.type);
  expect(field.mode ?? 'NULLABLE').toBe(expected.mode ?? 'NULLABLE');
  if (expected.name !== undefined) expect(field.name).toBe(expected.name);
  const value = plain(cell, field);
  if (expected.value instanceof RegExp) expect(value).toMatch(expected.value);
  else if (expected.value !== undefined) expect(value).toEqual(expected.value);
}

const groups: [string, ConformanceCase[]][] = [
  ['semantics', semanticsCases],
  ['date and time functions', dateTimeCases],
  ['functions', functionCases],
  ['JSON functions', jsonCases],
  ['fidelity (issue 18)', fidelityCases],
  ['constructs not emulated', unsupportedCases],
];

describe('GoogleSQL conformance (documented results, through @google-cloud/bigquery)', () => {
  let fixture: EmulatorFixture;
  beforeAll(async () => {
    fixture = await startEmulatorFixture({ jobStateDelayMs: 0 });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const run = async (sql: string) => {
    const [job] = await fixture.bigquery.createQueryJob({ query: sql });
    const [rows, , response] = await job.getQueryResults({ skipParsing: true, autoPaginate: false });
    const fields = (response?.schema?.fields ?? []) as Field[];
    return { rows: rows as unknown as { f: Cell[] }[], fields };
  };

  describe.each(groups)('%s', (_group, cases) => {
    it.each(cases.map((conformance) => [conformance.name, conformance] as const))(
      '%s',
      async (_name, conformance) => {
        if (conformance.error) {
          // Act
          const failure = await run(conformance.sql).then(
            () => undefined,
            (error: unknown) => error as { errors?: { reason?: string; message?: string }[] },
          );

          // Assess
          expect(failure?.errors?.[0]?.reason, conformance.doc).toBe('invalidQuery');
          expect(failure?.errors?.[0]?.message).toMatch(conformance.error);
          expect(failure?.errors?.[0]?.message).not.toMatch(
            /DuckDB|(Binder|Catalog|Parser|Conversion) Error/,
          );
          return;
        }

        // Act
        const { rows, fields } = await run(conformance.sql);

        // Assess
        if (conformance.rows) {
          expect(
            rows.map((row) => plain(row.f[0] as Cell, fields[0] as Field)),
            conformance.doc,
          ).toEqual(conformance.rows);
        }
        const expected = conformance.columns ?? [];
        if (expected.length > 0) expect(fields, conformance.doc).toHaveLength(expected.length);
        expected.forEach((column, index) => {
          expectColumn(fields[index] as Field, rows[0]?.f[index] as Cell, column);
        });
      },
    );
  });
});

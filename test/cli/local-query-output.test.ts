import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runQueryPrompt } from '../../cli/commands/local/query-prompt.js';
import { renderRows } from '../../cli/commands/local/query-table.js';
import { simulationStart } from '../../cli/commands/local/timeline.js';
import { parseJsonText } from '../../lambdas/shared/json-text.js';

describe('local query output', () => {
  const long = 'x'.repeat(50);

  it('cuts a long value with … and says so; --wide shows it whole', () => {
    // Act
    const cut = renderRows([{ id: 1, note: long }]);
    const wide = renderRows([{ id: 1, note: long }], true);

    // Assess
    expect(cut).toContain(`${'x'.repeat(39)}…`);
    expect(cut).not.toContain(long);
    expect(cut).toContain('(1 rows; values longer than 40 characters end in …, --wide shows them whole)');
    expect(wide).toContain(long);
    expect(wide).toContain('(1 rows)\n');
  });

  it('prints one timestamp format per column, whatever precision the client handed out', () => {
    // Act
    const text = renderRows([
      { at: '2026-12-06T20:16:04.171539000Z', day: '2026-01-01T00:00:00.000Z' },
      { at: '2026-12-06T20:15:12.493Z', day: '2026-01-02T00:00:00.000Z' },
    ]);

    // Assess
    expect(text).toContain('2026-12-06 20:16:04.171539 UTC');
    expect(text).toContain('2026-12-06 20:15:12.493000 UTC');
    expect(text).toContain('2026-01-02 00:00:00 UTC');
  });
});

describe('the local query prompt', () => {
  it('runs multi-line statements ending in ;, goes on after a failure, quits on \\q, keeps history', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'dms2bq-prompt-'));
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const ran: string[] = [];
    input.end('SELECT 1\n  AS x;\nSELECT nope;\n\\q\nSELECT never;\n');

    // Act
    await runQueryPrompt({
      input,
      output,
      run: async (sql) => {
        ran.push(sql);
        if (sql.includes('nope')) throw new Error('Unrecognized name: nope');
        return 'x\n1\n';
      },
      describe: (error) => `query failed: ${(error as Error).message}`,
      historyFile: join(dir, 'history'),
    });
    const history = await readFile(join(dir, 'history'), 'utf8');
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(ran).toEqual(['SELECT 1\n  AS x', 'SELECT nope']);
    expect(printed).toContain('x\n1\n');
    expect(printed).toContain('query failed: Unrecognized name: nope\n');
    expect(history).toBe('SELECT 1 AS x\nSELECT nope\n');
  });
});

describe('simulate without --start', () => {
  const now = new Date('2026-12-06T12:00:00Z');

  it('ends its changes now on an empty warehouse', () => {
    expect(simulationStart(now, 5, undefined).toISOString()).toBe('2026-12-06T11:54:00.000Z');
  });

  it('never starts before the newest change the warehouse holds', () => {
    const newest = new Date('2026-12-06T11:58:00Z');
    expect(simulationStart(now, 5, newest).toISOString()).toBe('2026-12-06T11:58:01.000Z');
  });
});

describe('JSON syntax errors', () => {
  it.each([
    ['{\n  "a": [1,]\n}', "line 2, column 11: Unexpected token ']'"],
    ['{\n "a": 1\n "b": 2}', "line 3, column 2: Expected ',' or '}' after property value"],
    ['{"a":', 'line 1, column 6: the text ends before the JSON does (a missing } or ]?)'],
  ])('places %j by line and column', (text, message) => {
    expect(() => parseJsonText(text)).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { registerBigQueryEmulatorCommand } from '../../cli/commands/local/bigquery-emulator.js';
import { runCli } from '../../cli/program.js';

const run = async (args: string[]) => {
  const err: string[] = [];
  const code = await runCli(['bigquery-emulator', ...args], [registerBigQueryEmulatorCommand], {
    out: () => undefined,
    err: (text) => err.push(text),
  });
  return { code, err: err.join('') };
};

describe('dms2bq bigquery-emulator', () => {
  describe.each([
    [['--port', 'abc'], '--port must be an integer from 0 to 65535, got "abc".'],
    [['--port', '70000'], '--port must be an integer from 0 to 65535, got "70000".'],
    [['--job-delay-ms', '-1'], '--job-delay-ms must be an integer from 0 to 600000, got "-1".'],
  ])('with %j', (args, message) => {
    it('exits 2 with one line naming the option', async () => {
      // Act
      const result = await run(args);

      // Assess
      expect(result).toEqual({ code: 2, err: `${message}\n` });
    });
  });
});

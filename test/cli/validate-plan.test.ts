import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { registerPlanCommand } from '../../cli/commands/mappings/plan.js';
import { registerValidateCommand } from '../../cli/commands/mappings/validate.js';
import type { SourcePlan } from '../../lambdas/shared/plan.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const dms2bq = (...argv: string[]) => runDms2bq([registerValidateCommand, registerPlanCommand], argv);

describe('dms2bq validate', () => {
  it('accepts the shipped example', async () => {
    // Act
    const result = await dms2bq('validate', '--mappings', 'mappings');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^1 mapping file\(s\) in mappings are valid\.\nWorst-case load jobs in one deployment's GCP project/,
    );
  });

  it('refuses a source engine change against the deployed mappings, saying what to do', async () => {
    // Prepare
    const deployed = await mappingDir({ 'shop.json': sourceMappingFactory({ engine: 'mysql' }) });
    const changed = await mappingDir({ 'shop.json': sourceMappingFactory({ engine: 'aurora-mysql' }) });

    // Act
    const result = await dms2bq('validate', '--mappings', changed.dir, '--base', deployed.dir).finally(() =>
      Promise.all([deployed.cleanup(), changed.cleanup()]),
    );

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /shop\.json: \/engine: changed from mysql to aurora-mysql, which a running DMS task cannot take .*: remove shop's mapping file and deploy, then add it back/,
    );
  });

  it('accepts mappings whose engines match the deployed ones', async () => {
    // Prepare
    const deployed = await mappingDir({ 'shop.json': sourceMappingFactory() });
    const changed = await mappingDir({
      'shop.json': sourceMappingFactory({ tables: [tableMappingFactory({ table: 'items' })] }),
    });

    // Act
    const result = await dms2bq('validate', '--mappings', changed.dir, '--base', deployed.dir).finally(() =>
      Promise.all([deployed.cleanup(), changed.cleanup()]),
    );

    // Assess
    expect(result.code).toBe(0);
  });

  it('prints one line per problem and exits 1', async () => {
    // Prepare
    const bad = sourceMappingFactory({
      dms: { cdcMaxBatchIntervalSeconds: 30 },
      bigquery: { dataset: 'a-b' },
    });
    const { dir, cleanup } = await mappingDir({ 'shop.json': bad });

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/shop\.json: \/bigquery\/dataset: BigQuery rejects dataset "a-b"/),
      expect.stringMatching(
        /shop\.json: \/dms\/cdcMaxBatchIntervalSeconds: 30 s risks BigQuery's load-job quota/,
      ),
      '2 problem(s) in 1 file(s); nothing is deployable until fixed.',
    ]);
  });

  it('refuses what a BigQuery CDC table refuses, one line per field with the fix', async () => {
    // Prepare
    const cdc = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: '0s' },
      tables: [
        tableMappingFactory({
          primaryKey: ['id', 'sku'],
          columns: [
            { name: 'id', type: 'bigint' },
            { name: 'sku', type: 'varbinary(16)' },
          ],
        }),
      ],
    });
    const { dir, cleanup } = await mappingDir({ 'shop.json': cdc });

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /shop\.json: \/tables\/0\/primaryKey\/1: key column "sku" \(varbinary\(16\)\) lands in BigQuery as BYTES, which a primary key cannot be/,
      ),
      expect.stringMatching(
        /shop\.json: \/bigquery\/maxStaleness: "0s" is no staleness at all; remove "maxStaleness"/,
      ),
      '2 problem(s) in 1 file(s); nothing is deployable until fixed.',
    ]);
  });

  it.each([
    { staleness: '30s', warned: true },
    { staleness: '14m', warned: true },
    { staleness: '15m', warned: false },
    { staleness: '1h', warned: false },
  ])(
    'warns about a max staleness of $staleness only below 15m, naming file and field, and exits 0',
    async ({ staleness, warned }) => {
      // Prepare
      const cdc = sourceMappingFactory({
        bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: staleness },
      });
      const { dir, cleanup } = await mappingDir({ 'shop.json': cdc });

      // Act
      const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

      // Assess
      expect(result.code).toBe(0);
      const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning:'));
      expect(warnings).toEqual(
        warned
          ? [
              expect.stringMatching(
                new RegExp(
                  `^warning: .*shop\\.json: /bigquery/maxStaleness: "${staleness}" is below 15m: BigQuery applies changes at least every ${staleness}, [\\d,]+ background applies a month each reading the whole table, ≈ \\$\\d+ a month per GiB of live rows`,
                ),
              ),
            ]
          : [],
      );
    },
  );

  it('prices a 30s staleness at 86,400 applies a month, ≈ $527 per GiB of live rows', async () => {
    // Prepare
    const cdc = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table', maxStaleness: '30s' },
    });
    const { dir, cleanup } = await mappingDir({ 'shop.json': cdc });

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.stderr).toContain(
      '86,400 background applies a month each reading the whole table, ≈ $527 a month per GiB',
    );
  });

  it('warns on stderr about a LOB column DMS may truncate, and still exits 0', async () => {
    // Prepare
    const risky = sourceMappingFactory({
      tables: [
        {
          schema: 'sales',
          table: 'orders',
          primaryKey: ['id'],
          columns: [
            { name: 'id', type: 'bigint' },
            { name: 'notes', type: 'mediumtext' },
          ],
        },
      ],
    });
    const { dir, cleanup } = await mappingDir({ 'shop.json': risky });

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^warning: .*shop\.json: \/tables\/0\/columns\/1: sales\.orders\.notes \(mediumtext\) can hold 16,777,215 bytes but DMS truncates LOBs at 65,536 bytes/,
      ),
    ]);
  });

  it.each([
    {
      name: 'malformed JSON',
      files: { 'shop.json': '{ "source": ' },
      message: /shop\.json: not valid JSON at line 1, column 13: the text ends before the JSON does/,
    },
    { name: 'an empty directory', files: {}, message: /no mapping files \(<source>\.json\) found/ },
  ])('explains $name without a stack trace', async ({ files, message }) => {
    // Prepare
    const { dir, cleanup } = await mappingDir(files);

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('explains a missing directory', async () => {
    // Act
    const result = await dms2bq('validate', '--mappings', 'no/such/dir');

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: 'no/such/dir: the mappings directory does not exist; pass --mappings <dir>.\n',
    });
  });

  it('explains an unreadable mapping file', async () => {
    // Prepare
    const { dir, cleanup } = await mappingDir({});
    await mkdir(join(dir, 'shop.json'));

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/shop\.json: cannot be read \(EISDIR\); check it is a readable file/);
  });

  it('exits 2 on a usage error', async () => {
    // Act
    const result = await dms2bq('validate', '--no-such-option');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--no-such-option'");
  });
});

describe('dms2bq plan', () => {
  it('renders the example mappings', async () => {
    // Act
    const result = await dms2bq('plan', '--mappings', 'mappings', '--project', 'acme-analytics');

    // Assess
    expect(result.code).toBe(0);
    await expect(result.stdout).toMatchFileSnapshot('__snapshots__/plan.md');
  });

  it('renders the example mappings as JSON', async () => {
    // Act
    const result = await dms2bq('plan', '--mappings', 'mappings', '--json');

    // Assess
    await expect(result.stdout).toMatchFileSnapshot('__snapshots__/plan.json');
  });

  it('shows the DMS masking rule of a hashed column and says which columns DMS hashes', async () => {
    // Act
    const result = await dms2bq('plan', '--mappings', 'mappings', '--json');

    // Assess
    const [source] = JSON.parse(result.stdout) as SourcePlan[];
    expect(source?.dms.tableMappings.rules).toContainEqual({
      'rule-type': 'transformation',
      'rule-id': expect.any(String),
      'rule-name': 'hash-game-users-email',
      'rule-target': 'column',
      'object-locator': { 'schema-name': 'game', 'table-name': 'users', 'column-name': 'email' },
      'rule-action': 'data-masking-hash-mask',
    });
    expect(source?.tables.find((t) => t.sourceTable === 'game.users')?.hashedColumns).toEqual(['email']);
  });

  it('names the hashed columns in the text plan', async () => {
    // Act
    const result = await dms2bq('plan', '--mappings', 'mappings');

    // Assess
    expect(result.stdout).toContain(
      '; DMS removes phone; DMS hashes email (SHA-256, data-masking-hash-mask, engine 3.5.4+)',
    );
    expect(result.stdout).toContain('"rule-action": "data-masking-hash-mask"');
  });

  it('shows the CDC table of a table in table mode instead of its view', async () => {
    // Act
    const result = await dms2bq(
      'plan',
      '--mappings',
      'test/cli/fixtures/table-mode',
      '--project',
      'acme-analytics',
    );

    // Assess
    expect(result.code).toBe(0);
    await expect(result.stdout).toMatchFileSnapshot('__snapshots__/plan-table-mode.md');
  });

  it.each([
    {
      staleness: '15m',
      line: 'max_staleness 15m: at least 2,880 background applies a month, each reading the whole table: ≈ $17.58 a month per GiB of live rows on demand ($3.69 for the reference hot table of 0.21 GiB)',
    },
    {
      staleness: undefined,
      line: 'no max_staleness: every query also runs a runtime merge of the changes not yet applied',
    },
  ])('prices a CDC table’s staleness ($staleness) in the plan', async ({ staleness, line }) => {
    // Prepare
    const cdc = sourceMappingFactory({
      bigquery: { dataset: 'shop_cdc', current: 'table', ...(staleness ? { maxStaleness: staleness } : {}) },
    });
    const { dir, cleanup } = await mappingDir({ 'shop.json': cdc });

    // Act
    const result = await dms2bq('plan', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`- shop_cdc.orders_current: ${line}`);
  });

  it('shows each table’s history view, and none for a table with "history": false', async () => {
    // Prepare
    const tables = [tableMappingFactory(), tableMappingFactory({ table: 'refunds', history: false })];
    const { dir, cleanup } = await mappingDir({ 'shop.json': sourceMappingFactory({ tables }) });

    // Act
    const result = await dms2bq('plan', '--mappings', dir, '--project', 'acme').finally(cleanup);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '- sales.orders → shop_cdc.orders (changelog, ingestion-day partitions, clustered by id) and shop_cdc.orders_current (view, latest row per id), shop_cdc.orders_history (view, every version per key)\n',
    );
    expect(result.stdout).toContain(
      'and shop_cdc.refunds_current (view, latest row per id), no history view ("history": false)\n',
    );
    expect(result.stdout).toContain('CREATE OR REPLACE VIEW `acme.shop_cdc.orders_history` AS\n');
    expect(result.stdout).not.toContain('refunds_history');
  });

  it('refuses invalid mappings', async () => {
    // Prepare
    const { dir, cleanup } = await mappingDir({ 'shop.json': sourceMappingFactory({ tables: [] }) });

    // Act
    const result = await dms2bq('plan', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('/tables: must NOT have fewer than 1 items');
  });
});

describe('the dms2bq executable', () => {
  it('runs from bin/ with no build step', async () => {
    // Act
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/dms2bq.js', 'validate']);

    // Assess
    expect(stdout.split('\n')[0]).toBe('1 mapping file(s) in mappings are valid.');
  });
});

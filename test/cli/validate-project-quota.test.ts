import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerValidateCommand } from '../../cli/commands/mappings/validate.js';
import { describeProjectBudget, projectLoadJobBudget } from '../../lambdas/shared/quota.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';

const dms2bq = (...argv: string[]) => runDms2bq([registerValidateCommand], argv);

const tables = (count: number) =>
  Array.from({ length: count }, (_, i) => tableMappingFactory({ table: `t${i}` }));

/** A mapping dir with sources of `sizes` tables each (90 s: 1,202 jobs per table), plus a config dir. */
async function workspace(sizes: number[], stages: Record<string, string> = {}) {
  const files = Object.fromEntries(
    sizes.map((size, i) => [
      `s${i}.json`,
      sourceMappingFactory({ source: `s${i}`, bigquery: { dataset: `s${i}_cdc` }, tables: tables(size) }),
    ]),
  );
  const workspace = await mappingDir(files);
  const configDir = join(workspace.dir, 'config');
  await mkdir(configDir);
  const dev = JSON.parse(await readFile('config/dev.json', 'utf8')) as { gcp: { projectId: string } };
  for (const [stage, project] of Object.entries(stages)) {
    await writeFile(
      join(configDir, `${stage}.json`),
      JSON.stringify({ ...dev, gcp: { ...dev.gcp, projectId: project } }),
    );
  }
  return { ...workspace, configDir };
}

describe('project-level load-job quota', () => {
  it('adds up every table of every deployment', () => {
    // Act
    const budget = projectLoadJobBudget('p', [
      { name: 'stage a', sources: [{ source: 'x', tables: 3, intervalSeconds: 90 }] },
      { name: 'stage b', sources: [{ source: 'x', tables: 3, intervalSeconds: 3600 }] },
    ]);

    // Assess
    expect(budget).toMatchObject({ worstCase: 3 * 1202 + 3 * 79, guard: 90_000, withinGuard: true });
  });

  it('prints the arithmetic', () => {
    // Prepare
    const budget = projectLoadJobBudget('p', [
      { name: 'stage a', sources: [{ source: 'x', tables: 70, intervalSeconds: 90 }] },
    ]);

    // Act
    const lines = describeProjectBudget(budget);

    // Assess
    expect(lines).toEqual([
      'Worst-case load jobs in GCP project p (per table as in ADR 0004):',
      '  stage a x: 70 table(s) × 1,202 = 84,140',
      "  total 84,140 load jobs per day = 84.1 % of BigQuery's 100,000 per project; within the guard of 90,000 (90 %)",
    ]);
  });
});

describe('dms2bq validate: project quota', () => {
  it('accepts the reference scale of 70 tables across sources and prints the sum', async () => {
    // Prepare
    const { dir, cleanup } = await workspace([40, 30]);

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  total 84,140 load jobs per day = 84.1 %');
  });

  it('refuses 75 tables in one project, above 90 % of 100,000', async () => {
    // Prepare
    const { dir, cleanup } = await workspace([40, 35]);

    // Act
    const result = await dms2bq('validate', '--mappings', dir).finally(cleanup);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('  total 90,150 load jobs per day = 90.1 %');
    expect(result.stderr).toMatch(
      /90,150 load jobs a day is over 90 % of the 100,000 of one deployment's GCP project/,
    );
  });

  it('counts every stage whose config names the same GCP project', async () => {
    // Prepare
    const { dir, configDir, cleanup } = await workspace([40], {
      dev: 'shared-project',
      staging: 'shared-project',
      prod: 'prod-project',
    });

    // Act
    const result = await dms2bq(
      'validate',
      '--mappings',
      dir,
      '--stage',
      'dev',
      '--config',
      configDir,
    ).finally(cleanup);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')).toEqual(
      expect.arrayContaining([
        'Worst-case load jobs in GCP project shared-project (per table as in ADR 0004):',
        '  stage dev s0: 40 table(s) × 1,202 = 48,080',
        '  stage staging s0: 40 table(s) × 1,202 = 48,080',
      ]),
    );
  });

  it('counts one deployment for a stage with a project of its own', async () => {
    // Prepare
    const { dir, configDir, cleanup } = await workspace([40], {
      dev: 'shared-project',
      prod: 'prod-project',
    });

    // Act
    const result = await dms2bq(
      'validate',
      '--mappings',
      dir,
      '--stage',
      'prod',
      '--config',
      configDir,
    ).finally(cleanup);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  total 48,080 load jobs per day = 48.0 %');
  });

  it('explains a stage without a config in one line', async () => {
    // Prepare
    const { dir, configDir, cleanup } = await workspace([1], { dev: 'p' });

    // Act
    const result = await dms2bq(
      'validate',
      '--mappings',
      dir,
      '--stage',
      'qa',
      '--config',
      configDir,
    ).finally(cleanup);

    // Assess
    expect(result).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/qa\.json: no such stage config/),
    });
  });
});

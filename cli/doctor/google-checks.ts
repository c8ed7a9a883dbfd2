import type { BigQuery } from '@google-cloud/bigquery';
import { currentViewName } from '../../lambdas/shared/mappings/bigquery-names.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { buildRoutingTable } from '../../lambdas/shared/routing.js';
import { stepFailure } from '../setup/gcp/errors.js';
import type { GoogleRest } from '../setup/gcp/google-rest.js';
import { openSetup, setupSteps } from '../setup/gcp/run.js';
import type { SetupContext } from '../setup/gcp/step.js';
import type { GcpTarget } from '../setup/gcp/target.js';
import { type CheckResult, fail, failedCall, pass, skip } from './report.js';

/**
 * What each identity does to a table, as far as a table-level test can tell. The loader appends
 * with load jobs (bigquery.tables.updateData, and .update/.get for schema updates and reads) and,
 * for a `table` route, streams to the `<table>_current` CDC table through the Storage Write API,
 * which needs bigquery.tables.updateData on it (plus .get/.update to read it and add columns; ADR
 * 0025); `warehouse apply` replaces the `_current` views. `bigquery.jobs.create` is granted on the
 * project, which tables.testIamPermissions cannot test.
 */
export const LOADER_TABLE_PERMISSIONS = [
  'bigquery.tables.get',
  'bigquery.tables.update',
  'bigquery.tables.updateData',
];
export const DEPLOY_VIEW_PERMISSIONS = ['bigquery.tables.get', 'bigquery.tables.update'];

export async function checkDatasets(
  bigquery: BigQuery,
  mappings: readonly SourceMapping[],
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const mapping of mappings) {
    const name = mapping.bigquery.dataset;
    const check = `dataset ${name}`;
    try {
      const [exists] = await bigquery.dataset(name).exists();
      results.push(
        exists
          ? pass(check, 'exists')
          : fail(
              check,
              'does not exist',
              'run npx dms2bq warehouse apply --stage <stage> (CD does it on deploy)',
            ),
      );
    } catch (error) {
      results.push(failedCall(check, error, 'the identity needs bigquery.datasets.get'));
    }
  }
  return results;
}

/** tables.testIamPermissions on every existing table of the mappings, for one identity. */
export async function checkTablePermissions(
  bigquery: BigQuery,
  identity: string,
  mappings: readonly SourceMapping[],
  kind: 'changelog' | 'view',
): Promise<CheckResult[]> {
  const wanted = kind === 'changelog' ? LOADER_TABLE_PERMISSIONS : DEPLOY_VIEW_PERMISSIONS;
  const results: CheckResult[] = [];
  for (const { route, tableId, absent } of targets(mappings, kind)) {
    const check = `${identity} on ${route.dataset}.${tableId}`;
    try {
      const table = bigquery.dataset(route.dataset).table(tableId);
      const [exists] = await table.exists();
      if (!exists) {
        results.push(skip(check, absent));
        continue;
      }
      const held = await testIamPermissions(table, wanted);
      const missing = wanted.filter((permission) => !held.includes(permission));
      results.push(
        missing.length === 0
          ? pass(check, `holds ${wanted.join(', ')}`)
          : fail(
              check,
              `lacks ${missing.join(', ')}`,
              `grant roles/bigquery.dataEditor on dataset ${route.dataset} to ${identity}`,
            ),
      );
    } catch (error) {
      results.push(failedCall(check, error, 'check the identity and the project'));
    }
  }
  return results;
}

/** The tables each identity works on: the loader its changelogs and CDC current tables, apply the `_current` objects. */
function targets(mappings: readonly SourceMapping[], kind: 'changelog' | 'view') {
  return Object.values(buildRoutingTable(mappings)).flatMap((route) => {
    const current = currentViewName(route.targetTable);
    if (kind === 'view') {
      return [
        { route, tableId: current, absent: route.current === 'table' ? 'no table yet' : 'no view yet' },
      ];
    }
    const changelog = {
      route,
      tableId: route.targetTable,
      absent: 'no table yet (its first load creates it)',
    };
    if (route.current !== 'table') return [changelog];
    return [
      changelog,
      {
        route,
        tableId: current,
        absent: 'no CDC table yet (warehouse apply or the first streamed file creates it)',
      },
    ];
  });
}

type Table = ReturnType<ReturnType<BigQuery['dataset']>['table']>;

/** POST …/tables/<t>:testIamPermissions through the client, so it authenticates as the client does. */
function testIamPermissions(table: Table, permissions: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    table.request({ method: 'POST', uri: ':testIamPermissions', json: { permissions } }, (error, body) => {
      if (error) reject(error);
      else resolve(((body ?? {}) as { permissions?: string[] }).permissions ?? []);
    });
  });
}

/**
 * Every step `dms2bq setup gcp` makes sure of, read-only: a step in place passes, a missing or
 * different one fails naming the step and the command that makes it, one another command does
 * (a dataset not created yet) is skipped. A call Google refuses names the permission to grant.
 */
export async function checkGoogleSetup(
  rest: GoogleRest,
  bigquery: BigQuery,
  target: GcpTarget,
  configFile: string,
): Promise<CheckResult[]> {
  const fix = `npx dms2bq setup gcp --stage ${target.stage} --apply`;
  let context: SetupContext;
  try {
    context = await openSetup(rest, bigquery, target, configFile, 'doctor');
  } catch (error) {
    return [fail('Google setup', (error as Error).message, fix)];
  }
  const results: CheckResult[] = [];
  for (const step of setupSteps(target)) {
    try {
      const finding = await step.inspect(context);
      const check = `Google setup: ${finding.step}`;
      if (finding.status === 'exists') results.push(pass(check, finding.detail));
      else if (finding.status === 'later') results.push(skip(check, finding.detail));
      else results.push(fail(check, `missing: ${finding.detail}`, fix));
    } catch (error) {
      const failure = stepFailure(error, target.projectId, 'doctor');
      results.push(fail(`Google setup: ${step.name}`, failure.problem, failure.fix ?? fix));
    }
  }
  return results;
}

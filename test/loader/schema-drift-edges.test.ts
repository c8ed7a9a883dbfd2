import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import type { TableField } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SCHEMA_CHANGE_RUNBOOK,
  SchemaChangeRejectedError,
  type SchemaDriftDeps,
  schemaDriftResolver,
} from '../../lambdas/loader/schema-drift.js';
import { createBigQueryClient } from '../../lambdas/shared/bigquery/client.js';
import { Deadline, type RetryPolicy } from '../../lambdas/shared/bigquery/deadline.js';
import type { BigQueryErrorProto } from '../../lambdas/shared/bigquery/errors.js';
import type { JobSnapshot } from '../../lambdas/shared/bigquery/jobs.js';
import type { ParquetColumn } from '../../lambdas/shared/parquet/footer.js';
import { useEmulatorClient } from './emulator-client.js';
import { betsRoute } from './fixtures.js';
import { capturingLogger } from './logs.js';

/**
 * The resolver a failed (`invalid`) load job goes to, against the production BigQuery client and
 * the emulator: which type changes it widens, which it rejects (naming table, columns and runbook)
 * and when it retries or fails without touching the table.
 */

const DATASET = 'drift';
const fixture = useEmulatorClient(DATASET);

const route = (targetTable: string) => ({ ...betsRoute, dataset: DATASET, targetTable });

/** BigQuery's words for a type conflict, as a failed load job carries them. */
const changed = (column: string, from: string, to: string): BigQueryErrorProto => ({
  reason: 'invalid',
  message: `Provided Schema does not match Table p:${DATASET}.t. Field ${column} has changed type from ${from} to ${to}`,
});
const unrelated: BigQueryErrorProto = {
  reason: 'invalid',
  message: 'Error while reading data, error message: Parquet column bet_id is missing',
};
const job = (errorResult: BigQueryErrorProto | undefined, errors: BigQueryErrorProto[]): JobSnapshot => ({
  id: 'dms2bq_drift_job',
  state: 'DONE',
  ...(errorResult ? { errorResult } : {}),
  errors,
});

const RETRY: RetryPolicy = { baseDelayMs: 10, maxDelayMs: 10 };
/** A backoff longer than the time left: the first transient failure ends in TimeBudgetError. */
const NO_TIME_TO_RETRY: RetryPolicy = { baseDelayMs: 120_000, maxDelayMs: 120_000 };

function deps(overrides: Partial<SchemaDriftDeps> = {}): SchemaDriftDeps {
  return {
    bigquery: fixture.bigquery,
    location: fixture.emulator.location,
    logger: new Logger({ serviceName: 'schema-drift-edges', logLevel: 'ERROR' }),
    retry: RETRY,
    deadline: new Deadline(Date.now() + 60_000),
    ...overrides,
  };
}

async function createTable(name: string, fields: TableField[]): Promise<void> {
  await fixture.bigquery.dataset(DATASET).createTable(name, { schema: { fields } });
}

async function typesOf(name: string): Promise<Record<string, string | undefined>> {
  const [metadata] = await fixture.bigquery.dataset(DATASET).table(name).getMetadata();
  const fields: TableField[] = metadata.schema?.fields ?? [];
  return Object.fromEntries(fields.map((field) => [field.name, field.type]));
}

/** A column whose BigQuery type the footer cannot tell (`bigqueryType` absent). */
const unmapped = (name: string): ParquetColumn => ({ name, type: 'FIXED_LEN_BYTE_ARRAY' });
const column = (name: string, bigqueryType: string): ParquetColumn => ({ name, type: 'X', bigqueryType });

describe('schemaDriftResolver', { timeout: 60_000 }, () => {
  it('rejects a file with a type change BigQuery cannot apply, naming table, every column and the runbook, and alters nothing', async () => {
    // Prepare
    await createTable('rejected', [
      { name: 'bet_id', type: 'INTEGER' },
      { name: 'amount', type: 'FLOAT' },
      { name: 'stake', type: 'INTEGER' },
    ]);
    const resolve = schemaDriftResolver(deps(), route('rejected'), [
      column('bet_id', 'INTEGER'),
      column('amount', 'STRING'),
      column('stake', 'FLOAT'),
    ]);

    // Act
    const outcome = resolve(job(changed('amount', 'FLOAT', 'STRING'), []));

    // Assess
    const error = await outcome.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaChangeRejectedError);
    const rejected = error as SchemaChangeRejectedError;
    expect(rejected.message).toBe(
      `${DATASET}.rejected: the type of amount from FLOAT64 to STRING, stake from INT64 to FLOAT64 changed, which BigQuery cannot apply to the existing table; not retried, see ${SCHEMA_CHANGE_RUNBOOK}`,
    );
    expect(rejected.table).toBe(`${DATASET}.rejected`);
    expect(rejected.runbook).toBe(SCHEMA_CHANGE_RUNBOOK);
    expect(rejected.conflicts).toEqual([
      { column: 'amount', tableType: 'FLOAT', fileType: 'STRING', widening: false },
      { column: 'stake', tableType: 'INTEGER', fileType: 'FLOAT', widening: true },
    ]);
    // The widening of stake alone would leave the table half-changed for a file that never loads.
    expect(await typesOf('rejected')).toEqual({ bet_id: 'INTEGER', amount: 'FLOAT', stake: 'INTEGER' });
  });

  it("trusts BigQuery's report of a type change the file's footer cannot show", async () => {
    // Prepare: the reported column is not the table's first, so a lookup that takes any column fails.
    await createTable('unmapped', [
      { name: 'bet_id', type: 'INTEGER' },
      { name: 'amount', type: 'FLOAT' },
    ]);
    const resolve = schemaDriftResolver(deps(), route('unmapped'), [
      column('bet_id', 'INTEGER'),
      unmapped('amount'),
    ]);

    // Act
    const outcome = resolve(
      job({ reason: 'invalid', message: 'Error while reading data' }, [changed('amount', 'FLOAT', 'STRING')]),
    );

    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: 'SchemaChangeRejectedError',
      conflicts: [{ column: 'amount', tableType: 'FLOAT', fileType: 'STRING', widening: false }],
    });
    expect(await typesOf('unmapped')).toEqual({ bet_id: 'INTEGER', amount: 'FLOAT' });
  });

  it("does not let another column's conflict hide the one BigQuery reported", async () => {
    // Prepare
    await createTable('hidden', [
      { name: 'amount', type: 'FLOAT' },
      { name: 'stake', type: 'INTEGER' },
    ]);
    const resolve = schemaDriftResolver(deps(), route('hidden'), [
      unmapped('amount'),
      column('stake', 'FLOAT'),
    ]);

    // Act
    const outcome = resolve(job(changed('amount', 'FLOAT', 'STRING'), []));

    // Assess
    await expect(outcome).rejects.toMatchObject({
      name: 'SchemaChangeRejectedError',
      conflicts: [
        { column: 'stake', tableType: 'INTEGER', fileType: 'FLOAT', widening: true },
        { column: 'amount', tableType: 'FLOAT', fileType: 'STRING', widening: false },
      ],
    });
    expect(await typesOf('hidden')).toEqual({ amount: 'FLOAT', stake: 'INTEGER' });
  });

  it('widens a reported column the footer cannot show, retries, and tells the operator which column changed', async () => {
    // Prepare
    await createTable('widened', [
      { name: 'bet_id', type: 'INTEGER' },
      { name: 'amount', type: 'INTEGER' },
    ]);
    const captured = capturingLogger('WARN');
    const resolve = schemaDriftResolver(deps({ logger: captured.logger }), route('widened'), [
      column('bet_id', 'INTEGER'),
      unmapped('amount'),
    ]);

    // Act
    const outcome = await resolve(job(changed('amount', 'INTEGER', 'FLOAT'), []));

    // Assess
    captured.restore();
    expect(outcome).toBe('retry');
    expect(await typesOf('widened')).toEqual({ bet_id: 'INTEGER', amount: 'FLOAT' });
    expect(captured.warnings()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'column widened so that the file loads',
        table: `${DATASET}.widened`,
        column: 'amount',
        from: 'INT64',
        to: 'FLOAT64',
        runbook: SCHEMA_CHANGE_RUNBOOK,
      }),
    ]);
  });

  it('retries without altering the table when the reported column no longer has the reported type', async () => {
    // Prepare: the table was recreated with amount as STRING after the job failed.
    await createTable('recreated', [
      { name: 'bet_id', type: 'INTEGER' },
      { name: 'amount', type: 'STRING' },
    ]);
    const resolve = schemaDriftResolver(deps(), route('recreated'), [
      column('bet_id', 'INTEGER'),
      unmapped('amount'),
    ]);

    // Act
    const outcome = await resolve(job(changed('amount', 'FLOAT', 'STRING'), []));

    // Assess
    expect(outcome).toBe('retry');
    expect(await typesOf('recreated')).toEqual({ bet_id: 'INTEGER', amount: 'STRING' });
  });

  it('fails a load whose error is not about column types', async () => {
    // Prepare
    await createTable('unrelated', [{ name: 'bet_id', type: 'INTEGER' }]);
    const resolve = schemaDriftResolver(deps(), route('unrelated'), [column('bet_id', 'INTEGER')]);

    // Act
    const outcome = await resolve(job(unrelated, [unrelated]));

    // Assess
    expect(outcome).toBe('fail');
  });

  it("reads BigQuery's report from the job's errorResult when errors does not repeat it", async () => {
    // Prepare: the table is gone, so only the report decides.
    const resolve = schemaDriftResolver(deps(), route('gone'), [unmapped('amount')]);

    // Act
    const reported = await resolve(job(changed('amount', 'FLOAT', 'STRING'), []));
    const notReported = await resolve(job(unrelated, []));

    // Assess
    expect(reported).toBe('retry');
    expect(notReported).toBe('fail');
  });

  it('lets a refused schema read fail the file instead of taking it for a missing table', async () => {
    // Prepare
    await createTable('refused', [{ name: 'amount', type: 'FLOAT' }]);
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: '/tables/refused',
      status: 403,
      reason: 'accessDenied',
      message: 'Access Denied: Table p:drift.refused: Permission bigquery.tables.get denied',
    });
    const resolve = schemaDriftResolver(deps(), route('refused'), [column('amount', 'STRING')]);

    // Act
    const outcome = resolve(job(changed('amount', 'FLOAT', 'STRING'), []));

    // Assess
    await expect(outcome).rejects.toMatchObject({ code: 403 });
  });

  it('names the schema read when no time is left to retry it', async () => {
    // Prepare
    await createTable('slow_read', [{ name: 'amount', type: 'FLOAT' }]);
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: '/tables/slow_read',
      status: 503,
      reason: 'backendError',
    });
    const resolve = schemaDriftResolver(deps({ retry: NO_TIME_TO_RETRY }), route('slow_read'), [
      column('amount', 'STRING'),
    ]);

    // Act
    const outcome = resolve(job(changed('amount', 'FLOAT', 'STRING'), []));

    // Assess
    await expect(outcome).rejects.toThrow(
      'out of time while waiting to read the schema of slow_read; the record will be retried',
    );
  });

  it('names the table and column of a widening when no time is left to retry it', async () => {
    // Prepare
    await createTable('slow_widen', [{ name: 'amount', type: 'INTEGER' }]);
    fixture.emulator.faults.failNext({
      method: 'POST',
      path: /^(?!\/upload).*\/(jobs|queries)$/,
      status: 503,
      reason: 'backendError',
    });
    const resolve = schemaDriftResolver(deps({ retry: NO_TIME_TO_RETRY }), route('slow_widen'), [
      column('amount', 'FLOAT'),
    ]);

    // Act
    const outcome = resolve(job(changed('amount', 'INTEGER', 'FLOAT'), []));

    // Assess
    await expect(outcome).rejects.toThrow(
      'out of time while waiting to widen slow_widen.amount; the record will be retried',
    );
    expect(await typesOf('slow_widen')).toEqual({ amount: 'INTEGER' });
  });
});

/**
 * A table resource without `schema`: the Table resource marks it optional ("Optional. Describes the
 * schema of this table.", the discovery document as @google-cloud/bigquery's types.d.ts quotes it),
 * and the emulator always sends one, so tables.get is answered here by a minimal server of its own.
 */
describe('schemaDriftResolver with a table resource that has no schema', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const found =
          request.method === 'GET' &&
          request.url?.startsWith(`/bigquery/v2/projects/p/datasets/${DATASET}/tables/bare`);
        response.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify(
            found
              ? {
                  kind: 'bigquery#table',
                  id: `p:${DATASET}.bare`,
                  tableReference: { projectId: 'p', datasetId: DATASET, tableId: 'bare' },
                  type: 'TABLE',
                }
              : {
                  error: {
                    code: 404,
                    message: `Not found: ${request.url}`,
                    errors: [{ reason: 'notFound' }],
                  },
                },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise((resolve) => server.close(resolve)));

  it('takes it for a table without columns: retries what BigQuery reported, fails the rest', async () => {
    // Prepare
    const bigquery = createBigQueryClient({
      projectId: 'p',
      location: 'EU',
      credentials: { kind: 'none' },
      apiEndpoint: url,
      retryOptions: { autoRetry: false },
    });
    const resolve = schemaDriftResolver(deps({ bigquery, location: 'EU' }), route('bare'), [
      unmapped('amount'),
    ]);

    // Act
    const reported = await resolve(job(changed('amount', 'FLOAT', 'STRING'), []));
    const notReported = await resolve(job(unrelated, [unrelated]));

    // Assess
    expect(reported).toBe('retry');
    expect(notReported).toBe('fail');
  });
});

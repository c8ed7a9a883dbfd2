import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctorCommand } from '../../cli/commands/operate/doctor.js';
import { type BigQueryEmulator, startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';
import { useMariadb } from './support/mariadb.js';

const server = useMariadb();
const sts = mockClient(STSClient);

describe('dms2bq doctor --source-url against MariaDB', () => {
  let emulator: BigQueryEmulator;
  let mappings: Awaited<ReturnType<typeof mappingDir>>;

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ port: 0 });
    mappings = await mappingDir({
      'shop.json': sourceMappingFactory({
        tables: [
          tableMappingFactory({ schema: 'sales', table: 'orders' }),
          tableMappingFactory({ schema: 'sales', table: 'refunds' }),
        ],
      }),
    });
    await server().exec(`
      CREATE DATABASE sales;
      CREATE TABLE sales.orders (id BIGINT PRIMARY KEY);
      CREATE TABLE sales.refunds (id BIGINT PRIMARY KEY);
      CREATE USER 'dms2bq'@'%' IDENTIFIED BY 'pw';
      GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dms2bq'@'%';
      GRANT SELECT ON sales.orders TO 'dms2bq'@'%';`);
    // No AWS account in tests: the AWS checks are skipped, which leaves the source's lines to read.
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('no credentials'), { name: 'CredentialsProviderError' }));
  });

  afterAll(async () => {
    sts.restore();
    await emulator?.stop();
    await mappings?.cleanup();
  });

  it("prints one line per source check among doctor's other checks, the fix on failures", async () => {
    // Act
    const run = await runDms2bq(
      [doctorCommand({ sleep: async () => undefined })],
      [
        'doctor',
        '--stage',
        'prod',
        '--source',
        'shop',
        '--mappings',
        mappings.dir,
        '--bigquery-endpoint',
        emulator.url,
        '--source-url',
        server().url('dms2bq', 'pw'),
      ],
    );

    // Assess
    expect(run.code).toBe(1);
    const lines = run.stdout.split('\n');
    expect(lines).toContain('PASS  source shop binlog_format: ROW');
    expect(lines).toContain(
      'FAIL  source shop SELECT on mapped tables: 1 of 2 not readable: sales.refunds (no SELECT) → fix: GRANT SELECT ON sales.* TO the DMS user; or dms2bq setup source --source shop --admin-url mysql://ADMIN@HOST:3306 --stage STAGE --apply',
    );
    expect(run.stdout).not.toContain(':pw@');
  });
});

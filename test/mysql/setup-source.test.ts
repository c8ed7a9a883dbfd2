import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSetupSourceCommand } from '../../cli/commands/setup/source.js';
import { checkSourceDatabase } from '../../cli/doctor/source-checks.js';
import type { RegisterCommand } from '../../cli/program.js';
import type { SourceSecret } from '../../cli/setup/source/secret.js';
import { fakeSecretsManager } from '../setup/fake-secrets-manager.js';
import { runDms2bq } from '../support/cli.js';
import { mappingDir, sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';
import { useMariadb } from './support/mariadb.js';

const server = useMariadb();
// The lead wires `source` into the `setup` group; here it hangs off a group of its own.
const setupCommand: RegisterCommand = (program) => registerSetupSourceCommand(program.command('setup'));

const heartbeat = { schema: 'dms2bq', table: 'heartbeat', intervalSeconds: 1 };
const shop = sourceMappingFactory({
  source: 'shop',
  heartbeat,
  tables: [
    tableMappingFactory({ schema: 'sales', table: 'orders' }),
    tableMappingFactory({ schema: 'sales', table: 'refunds' }),
    tableMappingFactory({ schema: 'dms2bq', table: 'heartbeat' }),
  ],
});

describe('dms2bq setup source against MariaDB', () => {
  let mappings: Awaited<ReturnType<typeof mappingDir>>;
  let work: string;
  let passwordFile: string;

  beforeAll(async () => {
    mappings = await mappingDir({ 'shop.json': shop });
    work = await mkdtemp(join(tmpdir(), 'dms2bq-setup-source-'));
    passwordFile = join(work, 'shop.json');
    await server().exec(`
      CREATE DATABASE sales;
      CREATE TABLE sales.orders (id BIGINT PRIMARY KEY);
      CREATE TABLE sales.refunds (id BIGINT PRIMARY KEY);`);
  });

  afterAll(async () => {
    await mappings?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const setup = (...extra: string[]) =>
    runDms2bq(
      [setupCommand],
      [
        'setup',
        'source',
        '--source',
        'shop',
        '--mappings',
        mappings.dir,
        '--admin-url',
        server().rootUrl,
        ...extra,
      ],
    );

  const grantsOf = async (user: string): Promise<string[]> => {
    const connection = await server().connect();
    try {
      const [rows] = await connection.query('SHOW GRANTS FOR ?@?', [user, '%']);
      return (rows as Record<string, string>[]).map((row) => Object.values(row)[0] ?? '');
    } finally {
      await connection.end();
    }
  };

  const loginOf = (secret: SourceSecret) => ({
    host: secret.host,
    port: secret.port,
    user: secret.username,
    password: secret.password,
  });

  const storedSecret = async (): Promise<SourceSecret> =>
    JSON.parse(await readFile(passwordFile, 'utf8')) as SourceSecret;

  it('doctor, before setup, names the command that creates the DMS user', async () => {
    // Act
    const results = await checkSourceDatabase(server().url('dms2bq', 'not-yet'), shop);

    // Assess
    expect(results).toEqual([
      expect.objectContaining({
        check: 'source shop connection',
        status: 'fail',
        fix: expect.stringContaining(
          'no DMS user yet: dms2bq setup source --source shop --admin-url mysql://ADMIN@HOST:3306 --stage STAGE --apply',
        ),
      }),
    ]);
  });

  it('shows the SQL of a fresh server first and changes nothing without --apply', async () => {
    // Act
    const run = await setup('--password-file', passwordFile);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('would apply 10 changes:');
    expect(run.stdout).toContain("  CREATE USER 'dms2bq'@'%' IDENTIFIED BY '<generated, 32 characters>';");
    expect(run.stdout).toContain("  GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dms2bq'@'%';");
    expect(run.stdout).toContain("  GRANT SELECT ON `sales`.`refunds` TO 'dms2bq'@'%';");
    expect(run.stdout).toContain(
      '  CREATE EVENT IF NOT EXISTS `dms2bq`.`heartbeat_tick` ON SCHEDULE EVERY 1 SECOND',
    );
    expect(run.stdout).toContain('dry run: nothing changed');
    await expect(grantsOf('dms2bq')).rejects.toThrow(/no such grant/);
    await expect(stat(passwordFile)).rejects.toThrow(/ENOENT/);
  });

  it("--apply leaves a user with exactly DMS's grants, a password that logs in, and a heartbeat that ticks", async () => {
    // Act
    const run = await setup('--password-file', passwordFile, '--apply');

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('applied 10 changes');
    // MariaDB 10.5.2+ prints REPLICATION CLIENT as BINLOG MONITOR (ADR 0037).
    expect(
      (await grantsOf('dms2bq')).map((grant) => grant.replace(/ IDENTIFIED BY PASSWORD '.*'/, '')).sort(),
    ).toEqual([
      'GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `dms2bq`@`%`',
      'GRANT SELECT ON `dms2bq`.`heartbeat` TO `dms2bq`@`%`',
      'GRANT SELECT ON `sales`.`orders` TO `dms2bq`@`%`',
      'GRANT SELECT ON `sales`.`refunds` TO `dms2bq`@`%`',
    ]);
    const secret = await storedSecret();
    expect(secret).toMatchObject({ username: 'dms2bq', host: '127.0.0.1', port: server().port });
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    const beats = await createConnection(loginOf(secret));
    try {
      const [first] = await beats.query('SELECT beat_at FROM dms2bq.heartbeat WHERE id = 1');
      const start = String((first as { beat_at: Date }[])[0]?.beat_at.valueOf());
      // Readiness, not timing: the loop ends when the EVENT has updated the row; the test timeout bounds it.
      for (;;) {
        const [rows] = await beats.query('SELECT beat_at FROM dms2bq.heartbeat WHERE id = 1');
        if (String((rows as { beat_at: Date }[])[0]?.beat_at.valueOf()) !== start) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await beats.end();
    }
  });

  it('a second --apply changes nothing and says so', async () => {
    // Prepare
    const before = await storedSecret();

    // Act
    const run = await setup('--password-file', passwordFile, '--apply');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "nothing to change: shop's DMS user, grants, heartbeat and secret are as the mapping asks",
    );
    expect(run.stdout).not.toContain('apply');
    expect(await storedSecret()).toEqual(before);
  });

  it("doctor's source checks pass as the user setup created, the heartbeat included", async () => {
    // Prepare
    const secret = await storedSecret();

    // Act
    const results = await checkSourceDatabase(server().url(secret.username, secret.password), shop);

    // Assess
    expect(results.filter((result) => result.status === 'fail')).toEqual([]);
    expect(results.map((result) => result.check)).toContain('source shop heartbeat');
  });

  it('puts back only what is missing: a revoked grant, a changed password', async () => {
    // Prepare
    await server().exec(`
      REVOKE SELECT ON sales.refunds FROM 'dms2bq'@'%';
      ALTER USER 'dms2bq'@'%' IDENTIFIED BY 'changed-by-someone';`);

    // Act
    const run = await setup('--password-file', passwordFile, '--apply');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('applying 3 changes:');
    expect(run.stdout).toContain(
      `  ALTER USER 'dms2bq'@'%' IDENTIFIED BY '<generated, 32 characters>'; -- the password in file ${passwordFile} does not log in`,
    );
    expect(run.stdout).toContain("  GRANT SELECT ON `sales`.`refunds` TO 'dms2bq'@'%';");
    const secret = await storedSecret();
    const login = await createConnection(loginOf(secret));
    await login.end();
    expect((await setup('--password-file', passwordFile)).stdout).toContain('nothing to change');
  });

  it('writes the secret the stack expects, created once, and finds nothing to do the second time', async () => {
    // Prepare
    const { mock, secrets } = fakeSecretsManager();
    try {
      // Act
      const first = await setup('--stage', 'prod', '--config', work, '--dms-user', 'dms2bq_prod', '--apply');
      const second = await setup('--stage', 'prod', '--config', work, '--dms-user', 'dms2bq_prod', '--apply');

      // Assess
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(
        /created arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod\/dms\/shop-\w{6}: put it in sources\.shop\.secretArn of config\/prod\.json/,
      );
      const stored = JSON.parse(secrets.get('prod/dms/shop')?.value ?? '{}') as SourceSecret;
      expect(stored).toMatchObject({ username: 'dms2bq_prod', host: '127.0.0.1', port: server().port });
      expect(second.code).toBe(0);
      expect(second.stdout).toContain('nothing to change');
      expect(secrets.get('prod/dms/shop')?.versions).toBe(1);
    } finally {
      mock.restore();
    }
  });

  it('names the setting the operator must change, applies the rest, and exits 1', async () => {
    // Prepare
    await server().exec(`SET GLOBAL event_scheduler = OFF; SET GLOBAL binlog_format = 'MIXED';`);

    try {
      // Act
      const run = await setup('--password-file', passwordFile, '--apply');

      // Assess
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        'FAIL  source shop binlog_format: MIXED, DMS reads changes only from row events → fix: set binlog_format=ROW in my.cnf, then restart mysqld',
      );
      expect(run.stdout).toContain('  event_scheduler=ON');
      expect(run.stderr).toBe(
        '2 checks of shop need the operator (source shop binlog_format; source shop event_scheduler): fix them as shown, then run setup again\n',
      );
    } finally {
      await server().exec(`SET GLOBAL event_scheduler = ON; SET GLOBAL binlog_format = 'ROW';`);
    }
  });

  it('refuses a mapped table the server does not have, naming it', async () => {
    // Prepare
    const missing = await mappingDir({
      'shop.json': {
        ...shop,
        tables: [...shop.tables, tableMappingFactory({ schema: 'sales', table: 'gone' })],
      },
    });

    try {
      // Act
      const run = await runDms2bq(
        [setupCommand],
        [
          'setup',
          'source',
          '--source',
          'shop',
          '--mappings',
          missing.dir,
          '--admin-url',
          server().rootUrl,
          '--password-file',
          passwordFile,
        ],
      );

      // Assess
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        'FAIL  source shop table sales.gone: does not exist: DMS cannot read it and setup cannot grant SELECT on it → fix: create it, or remove it from mappings/shop.json; then run setup again',
      );
    } finally {
      await missing.cleanup();
    }
  });

  it('exits 2 on usage and connection errors, the password never printed', async () => {
    // Act
    const neither = await setup();
    const refused = await runDms2bq(
      [setupCommand],
      [
        'setup',
        'source',
        '--source',
        'shop',
        '--mappings',
        mappings.dir,
        '--admin-url',
        server().url('root', 'wrong'),
        '--password-file',
        passwordFile,
      ],
    );

    // Assess
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('pass --stage <name>');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^cannot connect to the source at mysql:\/\/root:\*\*\*@127\.0\.0\.1:\d+/);
    expect(refused.stderr).not.toContain('wrong');
  });
  it('reschedules an EVENT whose interval the mapping changed, and enables a disabled one', async () => {
    // Prepare
    const slower = await mappingDir({
      'shop.json': { ...shop, heartbeat: { ...heartbeat, intervalSeconds: 2 } },
    });
    await server().exec('ALTER EVENT dms2bq.heartbeat_tick DISABLE');
    const run = (...extra: string[]) =>
      runDms2bq(
        [setupCommand],
        [
          'setup',
          'source',
          '--source',
          'shop',
          '--mappings',
          slower.dir,
          '--admin-url',
          server().rootUrl,
          '--password-file',
          passwordFile,
          ...extra,
        ],
      );

    try {
      // Act
      const first = await run('--apply');
      const second = await run();

      // Assess
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(
        'applying 1 change:\n  ALTER EVENT `dms2bq`.`heartbeat_tick` ON SCHEDULE EVERY 2 SECOND ENABLE;\n',
      );
      expect(second.stdout).toContain('nothing to change');
    } finally {
      await slower.cleanup();
    }
  });
});

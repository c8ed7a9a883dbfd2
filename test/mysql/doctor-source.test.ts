import { beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../cli/doctor/report.js';
import { checkSourceDatabase, setupFix } from '../../cli/doctor/source-checks.js';
import { heartbeatSql } from '../../lambdas/shared/heartbeat.js';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { sourceMappingFactory, tableMappingFactory } from '../support/mappings.js';
import { startMariadb, useMariadb } from './support/mariadb.js';

const server = useMariadb();

const mapping: SourceMapping = sourceMappingFactory({
  source: 'casino_a',
  heartbeat: { schema: 'dms2bq', table: 'heartbeat', intervalSeconds: 60 },
  tables: [
    tableMappingFactory({ schema: 'game', table: 'bets' }),
    tableMappingFactory({ schema: 'game', table: 'users' }),
    tableMappingFactory({ schema: 'dms2bq', table: 'heartbeat' }),
  ],
});

/** The DMS user exactly as docs/deploy.md §4 and docs/heartbeat.md create it. */
const DOCUMENTED_GRANTS = `
  CREATE USER 'dms2bq'@'%' IDENTIFIED BY 'pw';
  GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dms2bq'@'%';
  GRANT SELECT ON game.* TO 'dms2bq'@'%';
  GRANT SELECT ON \`dms2bq\`.\`heartbeat\` TO 'dms2bq'@'%';`;

const dmsUrl = (user = 'dms2bq') => server().url(user, 'pw');

function line(results: CheckResult[], check: string): CheckResult | undefined {
  return results.find((result) => result.check === `source casino_a ${check}`);
}

/** Runs the checks with a global variable changed, and puts it back whatever happens. */
async function checksWith(
  variable: string,
  value: string,
  restore: string,
  url = dmsUrl(),
): Promise<CheckResult[]> {
  await server().exec(`SET GLOBAL ${variable} = ${value}`);
  try {
    return await checkSourceDatabase(url, mapping);
  } finally {
    await server().exec(`SET GLOBAL ${variable} = ${restore}`);
  }
}

beforeAll(async () => {
  await server().exec(`
    CREATE DATABASE game;
    CREATE TABLE game.bets (id BIGINT PRIMARY KEY, stake DECIMAL(18,2));
    CREATE TABLE game.users (id BIGINT PRIMARY KEY, email VARCHAR(255));
    CREATE DATABASE dms2bq;
    ${heartbeatSql(mapping)}
    ${DOCUMENTED_GRANTS}`);
});

describe('doctor --source-url against MariaDB', () => {
  it('passes a source set up as docs/deploy.md says, one line per setting', async () => {
    // Act
    const results = await checkSourceDatabase(dmsUrl(), mapping);

    // Assess
    expect(results.filter((result) => result.status !== 'pass')).toEqual([]);
    expect(results.map((result) => result.check.replace('source casino_a ', ''))).toEqual([
      'connection',
      'binary log',
      'binlog_format',
      'binlog_row_image',
      'binlog_checksum',
      'server_id',
      'binlog compression',
      'binlog retention',
      'REPLICATION CLIENT',
      'REPLICATION SLAVE',
      'SELECT on mapped tables',
      'heartbeat',
      'event scheduler',
    ]);
    expect(line(results, 'connection')?.detail).toMatch(/^\d+\.\d+\.\d+-MariaDB.* as dms2bq@%$/);
    expect(line(results, 'binlog retention')?.detail).toBe(
      "72 h by binlog_expire_logs_seconds; on RDS/Aurora 'binlog retention hours' decides, which this user may not read",
    );
  });

  it('fails a statement-based binary log, naming the setting and where to change it', async () => {
    // Act
    const results = await checksWith('binlog_format', "'STATEMENT'", "'ROW'");

    // Assess
    expect(line(results, 'binlog_format')).toEqual({
      check: 'source casino_a binlog_format',
      status: 'fail',
      detail: 'STATEMENT, DMS reads changes only from row events',
      fix: expect.stringMatching(/^set binlog_format=ROW in the DB cluster parameter group \(Aurora\)/),
    });
  });

  it('fails a minimal row image', async () => {
    // Act
    const results = await checksWith('binlog_row_image', "'MINIMAL'", "'FULL'");

    // Assess
    expect(line(results, 'binlog_row_image')?.status).toBe('fail');
    expect(line(results, 'binlog_row_image')?.fix).toMatch(/^set binlog_row_image=FULL /);
  });

  it("fails MariaDB's default binlog checksum, CRC32", async () => {
    // Act
    const results = await checksWith('binlog_checksum', "'CRC32'", "'NONE'");

    // Assess
    expect(line(results, 'binlog_checksum')?.detail).toMatch(/^CRC32, /);
  });

  it('fails a compressed binary log', async () => {
    // Act
    const results = await checksWith('log_bin_compress', 'ON', 'OFF');

    // Assess
    expect(line(results, 'binlog compression')).toMatchObject({
      status: 'fail',
      detail: 'log_bin_compress=ON: DMS does not read compressed binary logs',
    });
  });

  it('fails binary logs kept less than a day, and binary logs never purged, on a self-managed server', async () => {
    // Prepare: only a user allowed to call procedures in mysql learns that rds_show_configuration is
    // absent (1305), which is what marks the server as self-managed.
    const admin = server().rootUrl;

    // Act
    const short = await checksWith('binlog_expire_logs_seconds', '43200', '259200', admin);
    const never = await checksWith('expire_logs_days', '0', '3', admin);

    // Assess
    expect(line(short, 'binlog retention')?.detail).toBe(
      '12 h, under 24 h: DMS cannot resume after a longer stop',
    );
    expect(line(never, 'binlog retention')?.detail).toBe(
      'expire_logs_days=0: binlogs are never purged and fill the disk',
    );
  });

  it('does not fail the DMS user on short retention it cannot place, and says who can tell', async () => {
    // Act: the DMS user is denied mysql.rds_show_configuration (1370) whether or not it exists.
    const results = await checksWith('binlog_expire_logs_seconds', '43200', '259200');

    // Assess
    expect(line(results, 'binlog retention')).toEqual({
      check: 'source casino_a binlog retention',
      status: 'skip',
      detail:
        "12 h, under 24 h: DMS cannot resume after a longer stop, if self-managed; on RDS/Aurora 'binlog retention hours' decides: run CALL mysql.rds_show_configuration as the admin user (it must be 24 or more)",
    });
  });

  it('fails a stopped event scheduler when the mapping has a heartbeat', async () => {
    // Act
    const results = await checksWith('event_scheduler', 'OFF', 'ON');

    // Assess
    expect(line(results, 'event scheduler')).toMatchObject({
      status: 'fail',
      detail: 'OFF: the heartbeat event never runs and its alarm pages',
    });
  });

  it('fails a heartbeat that stopped ticking, naming the setup command', async () => {
    // Prepare: the scheduler stops first, so no tick can refresh the row between the two statements.
    await server().exec(`
      SET GLOBAL event_scheduler = OFF;
      UPDATE dms2bq.heartbeat SET beat_at = NOW(6) - INTERVAL 1 HOUR WHERE id = 1;`);

    try {
      // Act
      const results = await checkSourceDatabase(dmsUrl(), mapping);

      // Assess
      expect(line(results, 'heartbeat')).toMatchObject({
        check: 'source casino_a heartbeat',
        status: 'fail',
        detail: expect.stringMatching(
          /^dms2bq\.heartbeat last beat 36\d\d s ago, over 125 s: the EVENT does not run \(missing, disabled, its definer dropped, or event_scheduler off\)$/,
        ),
        fix: 'dms2bq setup source --source casino_a --admin-url mysql://ADMIN@HOST:3306 --stage STAGE --apply (creates the table, its row and the EVENT heartbeat_tick)',
      });
    } finally {
      await server().exec(`
        UPDATE dms2bq.heartbeat SET beat_at = NOW(6) WHERE id = 1;
        SET GLOBAL event_scheduler = ON;`);
    }
  });

  it('fails a heartbeat table that does not exist', async () => {
    // Prepare
    const elsewhere = sourceMappingFactory({
      ...mapping,
      heartbeat: { schema: 'dms2bq', table: 'pulse', intervalSeconds: 60 },
    });

    // Act
    const results = await checkSourceDatabase(dmsUrl(), elsewhere);

    // Assess
    expect(line(results, 'heartbeat')).toMatchObject({
      status: 'fail',
      detail: 'dms2bq.pulse is not readable by the DMS user',
    });
  });

  it('fails a DMS user without REPLICATION SLAVE', async () => {
    // Prepare
    await server().exec(`
      CREATE USER 'noslave'@'%' IDENTIFIED BY 'pw';
      GRANT REPLICATION CLIENT ON *.* TO 'noslave'@'%';
      GRANT SELECT ON game.* TO 'noslave'@'%';
      GRANT SELECT ON dms2bq.* TO 'noslave'@'%';`);

    // Act
    const results = await checkSourceDatabase(dmsUrl('noslave'), mapping);

    // Assess
    expect(line(results, 'REPLICATION SLAVE')).toMatchObject({
      status: 'fail',
      fix: `GRANT REPLICATION SLAVE ON *.* TO the DMS user; or ${setupFix('casino_a')}`,
    });
    expect(line(results, 'REPLICATION CLIENT')?.status).toBe('pass');
  });

  it('fails a DMS user without REPLICATION CLIENT, which MariaDB calls BINLOG MONITOR', async () => {
    // Prepare
    await server().exec(`
      CREATE USER 'noclient'@'%' IDENTIFIED BY 'pw';
      GRANT REPLICATION SLAVE ON *.* TO 'noclient'@'%';
      GRANT SELECT ON game.* TO 'noclient'@'%';
      GRANT SELECT ON dms2bq.* TO 'noclient'@'%';`);

    // Act
    const results = await checkSourceDatabase(dmsUrl('noclient'), mapping);

    // Assess
    expect(line(results, 'REPLICATION CLIENT')).toEqual({
      check: 'source casino_a REPLICATION CLIENT',
      status: 'fail',
      detail: 'missing: SHOW BINARY LOGS is denied',
      fix: `GRANT REPLICATION CLIENT ON *.* TO the DMS user (BINLOG MONITOR on MariaDB 10.5.2+); or ${setupFix('casino_a')}`,
    });
    expect(line(results, 'REPLICATION SLAVE')?.status).toBe('pass');
  });

  it('names each mapped table the DMS user cannot read, and one that does not exist', async () => {
    // Prepare
    await server().exec(`
      CREATE USER 'partial'@'%' IDENTIFIED BY 'pw';
      GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'partial'@'%';
      GRANT SELECT ON game.bets TO 'partial'@'%';
      GRANT SELECT ON dms2bq.* TO 'partial'@'%';`);
    const withMissing = {
      ...mapping,
      tables: [...mapping.tables, tableMappingFactory({ schema: 'dms2bq', table: 'gone' })],
    };

    // Act
    const results = await checkSourceDatabase(dmsUrl('partial'), withMissing);

    // Assess
    expect(line(results, 'SELECT on mapped tables')).toEqual({
      check: 'source casino_a SELECT on mapped tables',
      status: 'fail',
      detail: '2 of 4 not readable: game.users (no SELECT), dms2bq.gone (does not exist)',
      fix: `GRANT SELECT ON game.* TO the DMS user; create dms2bq.gone or remove it from mappings/casino_a.json; or ${setupFix('casino_a')}`,
    });
  });

  it('fails a wrong password in one line without printing it', async () => {
    // Act
    const results = await checkSourceDatabase(server().url('dms2bq', 'wrong-secret'), mapping);

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]?.status).toBe('fail');
    expect(results[0]?.detail).toMatch(/Access denied for user 'dms2bq'/);
    expect(JSON.stringify(results)).not.toContain('wrong-secret');
  });
});

describe('doctor --source-url against MariaDB without a binary log', () => {
  it('fails the binary log once and does not test what needs it', async () => {
    // Prepare
    const plain = await startMariadb({ serverArgs: [] });
    try {
      await plain.exec(`
        CREATE DATABASE game;
        CREATE TABLE game.bets (id BIGINT PRIMARY KEY);
        CREATE USER 'dms2bq'@'%' IDENTIFIED BY 'pw';
        GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dms2bq'@'%';
        GRANT SELECT ON game.* TO 'dms2bq'@'%';`);
      const bets = {
        ...mapping,
        heartbeat: undefined,
        tables: [tableMappingFactory({ schema: 'game', table: 'bets' })],
      };

      // Act
      const results = await checkSourceDatabase(plain.url('dms2bq', 'pw'), bets);

      // Assess
      expect(results.map((result) => [result.check.replace('source casino_a ', ''), result.status])).toEqual([
        ['connection', 'pass'],
        ['binary log', 'fail'],
        ['REPLICATION CLIENT', 'skip'],
        ['REPLICATION SLAVE', 'pass'],
        ['SELECT on mapped tables', 'pass'],
      ]);
      expect(line(results, 'binary log')?.detail).toBe('off (log_bin=OFF)');
    } finally {
      await plain.stop();
    }
  });
});

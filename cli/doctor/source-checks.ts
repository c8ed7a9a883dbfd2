import type { Connection } from 'mysql2/promise';
import type { SourceMapping } from '../../lambdas/shared/mappings/model.js';
import { redactUrl } from '../operate/mysql-row-count.js';
import { type CheckResult, fail, failedCall, pass, skip } from './report.js';

/** Where a binlog setting is changed: a parameter group on RDS/Aurora, my.cnf on a self-managed server. */
const PARAMETER_FIX =
  'in the DB cluster parameter group (Aurora) or DB parameter group (RDS), or my.cnf when self-managed; reboot the writer (docs/deploy.md §4)';

/** The retention DMS asks for: at least a day ("binlog retention hours" 24, `expire_logs_days` 1). */
const MIN_RETENTION_HOURS = 24;

interface MysqlError {
  errno?: number;
  code?: string;
  message: string;
}

const errorOf = (error: unknown): MysqlError => error as MysqlError;

/**
 * The source database's side of DMS's MySQL prerequisites, read over a connection as the DMS user
 * (`mysql://dms2bq:…@writer:3306`): the binary log settings and the user's privileges. DMS's own
 * premigration assessment checks the same from the replication instance (cli/doctor/dms-checks.ts);
 * this needs only a network path from the operator's seat, and names the setting and its fix.
 */
export async function checkSourceDatabase(url: string, mapping: SourceMapping): Promise<CheckResult[]> {
  const name = `source ${mapping.source}`;
  if (!/^mysql:\/\//.test(url)) {
    return [
      fail(
        `${name} connection`,
        `not a mysql:// URL: ${redactUrl(url)}`,
        'pass mysql://user:password@host:3306',
      ),
    ];
  }
  const { createConnection } = await import('mysql2/promise');
  let connection: Connection;
  try {
    connection = await createConnection({ uri: url, connectTimeout: 10_000 });
  } catch (error) {
    return [
      failedCall(
        `${name} connection`,
        error,
        `check ${redactUrl(url)}: the host, the DMS user's password and the network path from here; no DMS user yet: ${setupFix(mapping.source)}`,
      ),
    ];
  }
  try {
    return await runChecks(connection, name, mapping);
  } finally {
    await connection.end();
  }
}

async function runChecks(
  connection: Connection,
  name: string,
  mapping: SourceMapping,
): Promise<CheckResult[]> {
  const [identity] = await connection.query('SELECT VERSION() AS version, CURRENT_USER() AS user');
  const { version, user } = (identity as { version: string; user: string }[])[0] ?? { version: '', user: '' };
  const variables = await globalVariables(connection);
  const results = [pass(`${name} connection`, `${version} as ${user}`)];
  const logBin = variables.get('log_bin');
  if (logBin !== 'ON') {
    // Without a binary log the other binlog settings mean nothing: one line says what to turn on.
    results.push(
      fail(
        `${name} binary log`,
        `off (log_bin=${logBin ?? 'absent'})`,
        'RDS: turn on automated backups; Aurora: set binlog_format in the DB cluster parameter group; self-managed: log-bin in my.cnf; then reboot the writer',
      ),
    );
  } else {
    results.push(pass(`${name} binary log`, 'on'));
    results.push(...binlogSettings(name, variables));
    results.push(await retention(connection, name, variables));
  }
  results.push(await replicationClient(connection, name, logBin === 'ON', mapping.source));
  results.push(await replicationSlave(connection, name, mapping.source));
  results.push(await tableReads(connection, name, mapping));
  if (mapping.heartbeat) {
    results.push(await heartbeatTick(connection, name, mapping));
    const scheduler = variables.get('event_scheduler');
    results.push(
      scheduler === 'ON'
        ? pass(`${name} event scheduler`, 'ON: the heartbeat event runs')
        : fail(
            `${name} event scheduler`,
            `${scheduler ?? 'absent'}: the heartbeat event never runs and its alarm pages`,
            `set event_scheduler=ON ${PARAMETER_FIX} (docs/heartbeat.md; dms2bq setup source prints the command)`,
          ),
    );
  }
  return results;
}

/** The global values, by name; a variable the server does not have is absent from the map. */
async function globalVariables(connection: Connection): Promise<Map<string, string>> {
  const [rows] = await connection.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)`, [
    [
      'log_bin',
      'binlog_format',
      'binlog_row_image',
      'binlog_checksum',
      'server_id',
      'expire_logs_days',
      'binlog_expire_logs_seconds',
      // MySQL 8.0.20+ compresses transactions with this; MariaDB 10.2+ compresses events with the other.
      'binlog_transaction_compression',
      'log_bin_compress',
      'event_scheduler',
    ],
  ]);
  return new Map(
    (rows as { Variable_name: string; Value: string }[]).map((row) => [row.Variable_name, row.Value]),
  );
}

function binlogSettings(name: string, variables: Map<string, string>): CheckResult[] {
  const expect = (variable: string, wanted: string, why: string): CheckResult => {
    const value = variables.get(variable);
    return value?.toUpperCase() === wanted
      ? pass(`${name} ${variable}`, wanted)
      : fail(
          `${name} ${variable}`,
          `${value ?? 'absent'}, ${why}`,
          `set ${variable}=${wanted} ${PARAMETER_FIX}`,
        );
  };
  const results = [
    expect('binlog_format', 'ROW', 'DMS reads changes only from row events'),
    expect('binlog_row_image', 'FULL', 'DMS needs every column of the row before and after'),
    expect('binlog_checksum', 'NONE', 'the DMS MySQL source prerequisites ask for NONE'),
  ];
  const serverId = Number(variables.get('server_id') ?? 0);
  results.push(
    serverId >= 1
      ? pass(`${name} server_id`, String(serverId))
      : fail(
          `${name} server_id`,
          `${serverId}: a server without an id cannot serve a binlog reader`,
          `set server_id to 1 or more ${PARAMETER_FIX}`,
        ),
  );
  const compressed = ['binlog_transaction_compression', 'log_bin_compress'].filter(
    (variable) => variables.get(variable) === 'ON',
  );
  results.push(
    compressed.length === 0
      ? pass(`${name} binlog compression`, 'off')
      : fail(
          `${name} binlog compression`,
          `${compressed.join(', ')}=ON: DMS does not read compressed binary logs`,
          `set ${compressed.map((variable) => `${variable}=OFF`).join(', ')} ${PARAMETER_FIX}`,
        ),
  );
  return results;
}

/**
 * RDS and Aurora purge binary logs "as soon as possible" unless `binlog retention hours` is set
 * (mysql.rds_show_configuration); a self-managed server keeps them for binlog_expire_logs_seconds
 * (expire_logs_days). MariaDB checks EXECUTE before looking the procedure up (seen on 10.11 in
 * test/mysql), so a DMS user without it gets "execute command denied" (1370) whether or not the
 * procedure exists, and only a user with it sees "does not exist" (1305): the denied case says which
 * setting decides and what it could not read, and fails nothing it cannot place.
 */
async function retention(
  connection: Connection,
  name: string,
  variables: Map<string, string>,
): Promise<CheckResult> {
  const check = `${name} binlog retention`;
  const rdsFix = `CALL mysql.rds_set_configuration('binlog retention hours', 72) as the admin user`;
  try {
    const [results] = await connection.query('CALL mysql.rds_show_configuration');
    // A CALL answers its result sets followed by an OK packet: the first set is the configuration.
    const sets = results as unknown as unknown[];
    const rows = (Array.isArray(sets[0]) ? sets[0] : sets) as { name: string; value: string | null }[];
    const hours = rows.find((row) => row.name === 'binlog retention hours')?.value;
    if (hours === null || hours === undefined || hours === 'NULL') {
      return fail(
        check,
        'binlog retention hours is NULL: RDS purges binlogs as soon as possible, Aurora lazily (usually within a day)',
        rdsFix,
      );
    }
    return Number(hours) >= MIN_RETENTION_HOURS
      ? pass(check, `binlog retention hours ${hours}`)
      : fail(check, `binlog retention hours ${hours}, under ${MIN_RETENTION_HOURS}`, rdsFix);
  } catch (error) {
    const { errno } = errorOf(error);
    if (errno !== 1305 && errno !== 1370) return failedCall(check, error, rdsFix);
    const selfManaged = selfManagedRetention(check, variables);
    if (errno === 1305 || selfManaged.status === 'pass') {
      return errno === 1305
        ? selfManaged
        : pass(
            check,
            `${selfManaged.detail} by binlog_expire_logs_seconds; on RDS/Aurora 'binlog retention hours' decides, which this user may not read`,
          );
    }
    return skip(
      check,
      `${selfManaged.detail}, if self-managed; on RDS/Aurora 'binlog retention hours' decides: run CALL mysql.rds_show_configuration as the admin user (it must be ${MIN_RETENTION_HOURS} or more)`,
    );
  }
}

function selfManagedRetention(check: string, variables: Map<string, string>): CheckResult {
  // MariaDB 10.6+ links the two (one value in two units); MySQL 8 reads binlog_expire_logs_seconds.
  const seconds = Number(variables.get('binlog_expire_logs_seconds') ?? 0);
  const hours = seconds > 0 ? seconds / 3600 : Number(variables.get('expire_logs_days') ?? 0) * 24;
  const fix = 'set binlog_expire_logs_seconds=259200 (or expire_logs_days=3) in my.cnf';
  if (hours === 0) return fail(check, 'expire_logs_days=0: binlogs are never purged and fill the disk', fix);
  return hours >= MIN_RETENTION_HOURS
    ? pass(check, `${hours} h`)
    : fail(check, `${hours} h, under ${MIN_RETENTION_HOURS} h: DMS cannot resume after a longer stop`, fix);
}

/**
 * REPLICATION CLIENT lets DMS list the binary logs and read the position. MariaDB 10.5.2 renamed it
 * BINLOG MONITOR (and shows it so in SHOW GRANTS), so the check runs the statement instead of
 * reading grant text: SHOW BINARY LOGS fails with 1227 without the privilege on both servers.
 */
async function replicationClient(
  connection: Connection,
  name: string,
  binlogOn: boolean,
  source: string,
): Promise<CheckResult> {
  const check = `${name} REPLICATION CLIENT`;
  const fix = `GRANT REPLICATION CLIENT ON *.* TO the DMS user (BINLOG MONITOR on MariaDB 10.5.2+); or ${setupFix(source)}`;
  if (!binlogOn) return skip(check, 'not testable without a binary log');
  try {
    await connection.query('SHOW BINARY LOGS');
    return pass(check, 'SHOW BINARY LOGS allowed');
  } catch (error) {
    if (errorOf(error).errno === 1227) return fail(check, 'missing: SHOW BINARY LOGS is denied', fix);
    return failedCall(check, error, fix);
  }
}

/**
 * REPLICATION SLAVE lets DMS read the binary log (COM_BINLOG_DUMP). No statement tests it short of
 * reading the log as a replica, so this reads SHOW GRANTS: the current user's grants and those of
 * its active roles, each `GRANT <privileges> ON *.* TO …`. MySQL 8.0.26+ and MariaDB 10.5.1+ also
 * call it REPLICATION REPLICA.
 */
async function replicationSlave(connection: Connection, name: string, source: string): Promise<CheckResult> {
  const check = `${name} REPLICATION SLAVE`;
  const [rows] = await connection.query('SHOW GRANTS');
  const grants = (rows as Record<string, string>[]).map((row) => Object.values(row)[0] ?? '');
  const global = grants
    .map((grant) => /^GRANT (.+?) ON \*\.\* TO /i.exec(grant)?.[1]?.toUpperCase() ?? '')
    .flatMap((privileges) => privileges.split(',').map((privilege) => privilege.trim()));
  const has = global.some((privilege) =>
    ['REPLICATION SLAVE', 'REPLICATION REPLICA', 'ALL PRIVILEGES', 'ALL'].includes(privilege),
  );
  return has
    ? pass(check, 'granted on *.*')
    : fail(
        check,
        `missing from SHOW GRANTS (${grants.length} grant${grants.length === 1 ? '' : 's'}; inactive roles are not seen)`,
        `GRANT REPLICATION SLAVE ON *.* TO the DMS user; or ${setupFix(source)}`,
      );
}

/** DMS reads every mapped table (full load) as the DMS user: SELECT … LIMIT 0 on each says whether it can. */
async function tableReads(
  connection: Connection,
  name: string,
  mapping: SourceMapping,
): Promise<CheckResult> {
  const check = `${name} SELECT on mapped tables`;
  const problems: string[] = [];
  const fixes = new Set<string>();
  for (const table of mapping.tables) {
    try {
      await connection.query('SELECT * FROM ??.?? LIMIT 0', [table.schema, table.table]);
    } catch (error) {
      const { errno, message } = errorOf(error);
      const id = `${table.schema}.${table.table}`;
      if (errno === 1142 || errno === 1044) {
        problems.push(`${id} (no SELECT)`);
        fixes.add(`GRANT SELECT ON ${table.schema}.* TO the DMS user`);
      } else if (errno === 1146 || errno === 1049) {
        problems.push(`${id} (does not exist)`);
        fixes.add(`create ${id} or remove it from mappings/${mapping.source}.json`);
      } else {
        problems.push(`${id} (${message})`);
      }
    }
  }
  if (problems.length === 0) return pass(check, `all ${mapping.tables.length} readable`);
  return fail(
    check,
    `${problems.length} of ${mapping.tables.length} not readable: ${problems.join(', ')}`,
    [...[...fixes], `or ${setupFix(mapping.source)}`].join('; '),
  );
}

/** The command that creates what the source is missing (cli/setup/source), for the fix lines. */
export const setupFix = (source: string): string =>
  `dms2bq setup source --source ${source} --admin-url mysql://ADMIN@HOST:3306 --stage STAGE --apply`;

/**
 * Whether the heartbeat ticks, read as the DMS user (who may SELECT it, but not see the EVENT in
 * information_schema without the EVENT privilege): the row's age on the server's own clock. Older
 * than two intervals plus a margin means the EVENT does not run: missing, disabled, its definer
 * dropped, or the scheduler off; all but the last are what `setup source` creates.
 */
async function heartbeatTick(
  connection: Connection,
  name: string,
  mapping: SourceMapping,
): Promise<CheckResult> {
  const beat = mapping.heartbeat;
  const check = `${name} heartbeat`;
  if (!beat) return skip(check, 'no heartbeat in the mapping');
  const id = `${beat.schema}.${beat.table}`;
  const fix = `${setupFix(mapping.source)} (creates the table, its row and the EVENT ${beat.table}_tick)`;
  try {
    const [rows] = await connection.query(
      'SELECT TIMESTAMPDIFF(MICROSECOND, beat_at, NOW(6)) / 1e6 AS age FROM ??.?? WHERE id = 1',
      [beat.schema, beat.table],
    );
    const age = (rows as { age: string | number | null }[])[0]?.age;
    if (age === undefined || age === null) return fail(check, `${id} has no row id = 1`, fix);
    const seconds = Number(age);
    const limit = 2 * beat.intervalSeconds + 5;
    return seconds <= limit
      ? pass(check, `${id} last beat ${seconds.toFixed(1)} s ago (every ${beat.intervalSeconds} s)`)
      : fail(
          check,
          `${id} last beat ${Math.round(seconds)} s ago, over ${limit} s: the EVENT does not run (missing, disabled, its definer dropped, or event_scheduler off)`,
          fix,
        );
  } catch (error) {
    const { errno } = errorOf(error);
    if (errno === 1146 || errno === 1049) return fail(check, `${id} does not exist`, fix);
    if (errno === 1142 || errno === 1044) return fail(check, `${id} is not readable by the DMS user`, fix);
    return failedCall(check, error, fix);
  }
}

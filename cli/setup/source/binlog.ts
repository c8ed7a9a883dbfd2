import type { Engine } from '../../../lambdas/shared/mappings/model.js';
import { type CheckResult, fail, pass } from '../../doctor/report.js';

/** DMS: "to increase log retention to 24 hours" is its example; less loses a stopped day. */
export const MIN_RETENTION_HOURS = 24;
/** What setup sets on RDS/Aurora: an outage over a weekend (docs/deploy.md). */
export const RETENTION_HOURS = 72;

/** What the admin connection read: global variables and, on RDS/Aurora, `binlog retention hours`. */
export interface ServerFacts {
  variables: Map<string, string>;
  /** Present on RDS/Aurora (mysql.rds_show_configuration exists); null when the value is NULL. */
  rds?: { retentionHours: number | null };
}

/** A server setting that only the operator can change: a parameter group or my.cnf, then a restart. */
export interface ParameterChange {
  name: string;
  value: string;
}

export interface BinlogReview {
  results: CheckResult[];
  changes: ParameterChange[];
  /** RDS/Aurora only: `binlog retention hours` is below the minimum, which setup's SQL sets. */
  setRetention: boolean;
}

const WANTED: { name: string; value: string; why: string; heartbeatOnly?: boolean }[] = [
  { name: 'binlog_format', value: 'ROW', why: 'DMS reads changes only from row events' },
  { name: 'binlog_row_image', value: 'FULL', why: 'DMS needs every column before and after' },
  { name: 'binlog_checksum', value: 'NONE', why: "the project's DMS prerequisites (ADR 0037)" },
  {
    name: 'event_scheduler',
    value: 'ON',
    why: 'the heartbeat event never runs otherwise',
    heartbeatOnly: true,
  },
];

/** Reviews the settings DMS needs; what is wrong becomes a parameter change for the operator. */
export function reviewBinlog(name: string, facts: ServerFacts, heartbeat: boolean): BinlogReview {
  const results: CheckResult[] = [];
  const changes: ParameterChange[] = [];
  const where = facts.rds ? 'in the parameter group (commands below)' : 'in my.cnf, then restart mysqld';
  const logBin = facts.variables.get('log_bin');
  if (logBin === 'ON') results.push(pass(`${name} binary log`, 'on'));
  else {
    results.push(
      fail(
        `${name} binary log`,
        `off (log_bin=${logBin ?? 'absent'})`,
        facts.rds
          ? 'RDS: turn on automated backups; Aurora: binlog_format in the DB cluster parameter group turns it on'
          : 'log-bin in my.cnf, then restart mysqld',
      ),
    );
  }
  for (const wanted of WANTED) {
    if (wanted.heartbeatOnly && !heartbeat) continue;
    const found = facts.variables.get(wanted.name);
    if (found?.toUpperCase() === wanted.value) {
      results.push(pass(`${name} ${wanted.name}`, wanted.value));
      continue;
    }
    changes.push({ name: wanted.name, value: wanted.value });
    results.push(
      fail(
        `${name} ${wanted.name}`,
        `${found ?? 'absent'}, ${wanted.why}`,
        `set ${wanted.name}=${wanted.value} ${where}`,
      ),
    );
  }
  const retention = reviewRetention(name, facts);
  results.push(retention.result);
  return { results, changes, setRetention: retention.setRetention };
}

function reviewRetention(name: string, facts: ServerFacts): { result: CheckResult; setRetention: boolean } {
  const check = `${name} binlog retention`;
  if (facts.rds) {
    const hours = facts.rds.retentionHours;
    if (hours !== null && hours >= MIN_RETENTION_HOURS) {
      return { result: pass(check, `binlog retention hours ${hours}`), setRetention: false };
    }
    // Setup's own SQL raises it (a stored procedure, no reboot): a planned change, not a failure.
    return {
      result: pass(
        check,
        `binlog retention hours ${hours ?? 'NULL'}: setup sets ${RETENTION_HOURS} (RDS purges binlogs as soon as possible otherwise)`,
      ),
      setRetention: true,
    };
  }
  const seconds = Number(facts.variables.get('binlog_expire_logs_seconds') ?? 0);
  const hours = seconds > 0 ? seconds / 3600 : Number(facts.variables.get('expire_logs_days') ?? 0) * 24;
  const fix = `set binlog_expire_logs_seconds=${RETENTION_HOURS * 3600} (MariaDB, MySQL 5.7: expire_logs_days=${RETENTION_HOURS / 24}) in my.cnf`;
  if (hours === 0) {
    return {
      result: fail(check, 'never purged (0): binlogs fill the disk', fix),
      setRetention: false,
    };
  }
  return hours >= MIN_RETENTION_HOURS
    ? { result: pass(check, `${hours} h`), setRetention: false }
    : { result: fail(check, `${hours} h, under ${MIN_RETENTION_HOURS} h`, fix), setRetention: false };
}

/** `<id>.cluster-<hash>.<region>.rds.amazonaws.com` (Aurora) or `<id>.<hash>.<region>.rds…` (an instance). */
export function rdsEndpoint(host: string): { id: string; cluster: boolean; region: string } | undefined {
  const match =
    /^([a-z][a-z0-9-]*)\.(cluster-(?:ro-)?)?[a-z0-9]+\.([a-z0-9-]+)\.rds\.amazonaws\.com(?:\.cn)?$/i.exec(
      host,
    );
  if (!match) return undefined;
  return { id: match[1] ?? '', cluster: Boolean(match[2]), region: match[3] ?? '' };
}

/**
 * The exact parameter-group change for RDS/Aurora and the writer reboot it needs. Aurora keeps the
 * binlog settings in the DB cluster parameter group, RDS MySQL in the instance's DB parameter group;
 * `pending-reboot` works for static and dynamic parameters alike (ModifyDBClusterParameterGroup),
 * and a dynamic binlog_format still needs the sessions restarted (DMS's MySQL source page), so the
 * advice is always: change, then reboot the writer. Setup never reboots.
 */
export function parameterGroupAdvice(engine: Engine, host: string, changes: ParameterChange[]): string[] {
  if (changes.length === 0) return [];
  const endpoint = rdsEndpoint(host);
  const region = endpoint ? ` --region ${endpoint.region}` : '';
  const parameters = changes
    .map(({ name, value }) => `"ParameterName=${name},ParameterValue=${value},ApplyMethod=pending-reboot"`)
    .join(' ');
  const list = changes.map(({ name, value }) => `${name}=${value}`).join(', ');
  if (engine === 'aurora-mysql') {
    const cluster = endpoint?.cluster ? endpoint.id : 'CLUSTER_ID';
    return [
      `Aurora: set ${list} in the DB cluster parameter group (a custom one: the default group cannot be changed):`,
      `  GROUP=$(aws rds describe-db-clusters${region} --db-cluster-identifier ${cluster} --query 'DBClusters[0].DBClusterParameterGroup' --output text)`,
      `  aws rds modify-db-cluster-parameter-group${region} --db-cluster-parameter-group-name "$GROUP" --parameters ${parameters}`,
      'Then, in a maintenance window, reboot the writer (dms2bq never reboots anything):',
      `  WRITER=$(aws rds describe-db-clusters${region} --db-cluster-identifier ${cluster} --query 'DBClusters[0].DBClusterMembers[?IsClusterWriter].DBInstanceIdentifier' --output text)`,
      `  aws rds reboot-db-instance${region} --db-instance-identifier "$WRITER"`,
      ...(endpoint?.cluster
        ? []
        : [`(CLUSTER_ID: the cluster's identifier; ${host} is not a cluster endpoint)`]),
    ];
  }
  const instance = endpoint && !endpoint.cluster ? endpoint.id : 'INSTANCE_ID';
  return [
    `RDS: set ${list} in the instance's DB parameter group (a custom one: the default group cannot be changed):`,
    `  GROUP=$(aws rds describe-db-instances${region} --db-instance-identifier ${instance} --query 'DBInstances[0].DBParameterGroups[0].DBParameterGroupName' --output text)`,
    `  aws rds modify-db-parameter-group${region} --db-parameter-group-name "$GROUP" --parameters ${parameters}`,
    'Then, in a maintenance window, reboot the instance (dms2bq never reboots anything):',
    `  aws rds reboot-db-instance${region} --db-instance-identifier ${instance}`,
    ...(endpoint && !endpoint.cluster
      ? []
      : [`(INSTANCE_ID: the instance's identifier; ${host} is not an instance endpoint)`]),
  ];
}

/** The operator's part: the parameter group on RDS/Aurora, my.cnf on a server of one's own. */
export function settingsAdvice(
  facts: ServerFacts,
  engine: Engine,
  host: string,
  changes: ParameterChange[],
): string[] {
  if (changes.length === 0) return [];
  if (facts.rds) return parameterGroupAdvice(engine, host, changes);
  return [
    'Self-managed: add under [mysqld] in my.cnf, then restart mysqld in a maintenance window (dms2bq never restarts anything):',
    ...changes.map(({ name, value }) => `  ${name}=${value}`),
  ];
}

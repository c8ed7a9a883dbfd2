import { randomBytes } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import type { SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import { type CheckResult, fail, renderCheck, skip } from '../../doctor/report.js';
import { UserError } from '../../errors.js';
import { reviewBinlog, settingsAdvice } from './binlog.js';
import { canLogIn, connectAdmin, type Endpoint, parseEndpoint } from './connect.js';
import { grantGap, parseGrants, replicatedTables, type TableRef } from './grants.js';
import { missingTables, readHeartbeat, readServerFacts, readUser } from './inspect.js';
import { heartbeatSteps, retentionSteps, type Step, type UserPlan, userSteps } from './plan.js';
import type { SecretStore, SourceSecret } from './secret.js';
import { account } from './sql.js';

export interface SetupSourceOptions {
  mapping: SourceMapping;
  /** mysql://admin:password@writer:3306, a user that may create users, grant, and create events. */
  adminUrl: string;
  store: SecretStore;
  apply: boolean;
  /** The DMS user's name and host part (`'dms2bq'@'%'`). */
  dmsUser: string;
  dmsHost: string;
  out: (text: string) => void;
}

/**
 * `dms2bq setup source`: reads what the source has, prints the checks, the operator's part and the
 * SQL it will run, and with `apply` runs it. Everything it changes is looked up first, so a second
 * run finds nothing to do. Throws a UserError (exit 1) when a check needs the operator or a step
 * failed, exit 2 when the admin cannot connect.
 */
export async function setupSource(options: SetupSourceOptions): Promise<void> {
  const { mapping, out } = options;
  const endpoint = parseEndpoint(options.adminUrl);
  const connection = await connectAdmin(options.adminUrl);
  let checks: CheckResult[];
  try {
    const review = await reviewSource(connection, options, endpoint);
    checks = review.checks;
    for (const check of checks) out(renderCheck(check));
    if (review.advice.length > 0) out(`${review.advice.join('\n')}\n`);
    await runSteps(connection, options, review.steps);
  } finally {
    await connection.end();
  }
  const failed = checks.filter((check) => check.status === 'fail');
  if (failed.length > 0) {
    throw new UserError(
      `${failed.length} check${failed.length === 1 ? '' : 's'} of ${mapping.source} need${failed.length === 1 ? 's' : ''} the operator (${failed.map((check) => check.check).join('; ')}): fix them as shown, then run setup again`,
    );
  }
}

interface SourceReview {
  checks: CheckResult[];
  /** What only the operator can do: the parameter-group or my.cnf change and its restart. */
  advice: string[];
  steps: Step[];
}

/** Reads everything setup would change and turns the differences into checks and steps. */
async function reviewSource(
  connection: Connection,
  options: SetupSourceOptions,
  endpoint: Endpoint,
): Promise<SourceReview> {
  const { mapping } = options;
  const name = `source ${mapping.source}`;
  const facts = await readServerFacts(connection);
  const binlog = reviewBinlog(name, facts, Boolean(mapping.heartbeat));
  const checks = [...binlog.results];
  const beat = mapping.heartbeat;
  const isHeartbeat = (ref: TableRef) => beat?.schema === ref.schema && beat.table === ref.table;
  const tables = replicatedTables(mapping);
  // The heartbeat's table is setup's to create; every other table must be there already.
  const absent = await missingTables(
    connection,
    tables.filter((ref) => !isHeartbeat(ref)),
  );
  for (const ref of absent) {
    checks.push(
      fail(
        `${name} table ${ref.schema}.${ref.table}`,
        'does not exist: DMS cannot read it and setup cannot grant SELECT on it',
        `create it, or remove it from mappings/${mapping.source}.json; then run setup again`,
      ),
    );
  }
  const user = await readUser(connection, options.dmsUser, options.dmsHost);
  const gap = grantGap(
    parseGrants(user.grants),
    tables.filter((ref) => !absent.includes(ref)),
  );
  if (gap.extra.length > 0) {
    checks.push(
      skip(
        `${name} DMS user's other privileges`,
        `${gap.extra.join(', ')}: more than DMS needs; setup revokes nothing, REVOKE them by hand if unintended`,
      ),
    );
  }
  return {
    checks,
    advice: settingsAdvice(facts, mapping.engine, endpoint.host, binlog.changes),
    steps: [
      ...retentionSteps(binlog.setRetention),
      ...(beat ? heartbeatSteps(beat, await readHeartbeat(connection, beat)) : []),
      ...userSteps(await planUser(options, endpoint, user.exists, gap), options.store.where),
    ],
  };
}

async function planUser(
  options: SetupSourceOptions,
  endpoint: Endpoint,
  exists: boolean,
  gap: UserPlan['gap'],
): Promise<UserPlan> {
  const stored = await options.store.read();
  const works =
    exists &&
    stored?.username === options.dmsUser &&
    (await canLogIn(endpoint, options.dmsUser, stored.password));
  const password = works && stored ? stored.password : generatePassword();
  const wanted: SourceSecret = {
    username: options.dmsUser,
    password,
    host: endpoint.host,
    port: endpoint.port,
  };
  const same =
    stored !== undefined &&
    stored.username === wanted.username &&
    stored.password === wanted.password &&
    stored.host === wanted.host &&
    stored.port === wanted.port;
  return {
    account: account(options.dmsUser, options.dmsHost),
    exists,
    ...(works ? {} : { newPassword: password }),
    ...(same ? {} : { secret: wanted }),
    gap,
  };
}

/** 32 characters of base64url: no quote, backslash or @ to escape in SQL, JSON or a URL. */
const generatePassword = (): string => randomBytes(24).toString('base64url');

async function runSteps(connection: Connection, options: SetupSourceOptions, steps: Step[]): Promise<void> {
  const { out, mapping } = options;
  if (steps.length === 0) {
    out(
      `nothing to change: ${mapping.source}'s DMS user, grants, heartbeat and secret are as the mapping asks\n`,
    );
    return;
  }
  out(
    `${options.apply ? 'applying' : 'would apply'} ${steps.length} change${steps.length === 1 ? '' : 's'}:\n`,
  );
  for (const step of steps) out(`  ${terminated(step)}\n`);
  if (!options.apply) {
    out('dry run: nothing changed; run again with --apply to make these changes\n');
    return;
  }
  for (const [index, step] of steps.entries()) {
    try {
      if (step.kind === 'sql') await connection.query(step.sql);
      else out(`  ${await options.store.write(step.secret)}\n`);
    } catch (error) {
      throw new UserError(
        `step ${index + 1} of ${steps.length} failed (${step.shown}): ${(error as Error).message}; the steps before it are applied, run setup again once fixed`,
      );
    }
  }
  out(
    `applied ${steps.length} change${steps.length === 1 ? '' : 's'}; check with dms2bq doctor --source ${mapping.source} --source-url\n`,
  );
}

/** A statement ends with `;` before any `--` comment it carries, as a mysql client would read it. */
function terminated(step: Step): string {
  if (step.kind !== 'sql') return step.shown;
  const comment = step.shown.indexOf(' -- ');
  return comment < 0 ? `${step.shown};` : `${step.shown.slice(0, comment)};${step.shown.slice(comment)}`;
}

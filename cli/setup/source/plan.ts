import { heartbeatStatements } from '../../../lambdas/shared/heartbeat.js';
import type { HeartbeatOptions } from '../../../lambdas/shared/mappings/model.js';
import { RETENTION_HOURS } from './binlog.js';
import { type GrantGap, grantGlobalSql, grantSelectSql } from './grants.js';
import type { HeartbeatFacts } from './inspect.js';
import type { SourceSecret } from './secret.js';
import { quoteId, quoteString } from './sql.js';

/** One change setup makes: SQL run as the admin, or the secret written. */
export type Step =
  | { kind: 'sql'; sql: string; shown: string }
  | { kind: 'secret'; secret: SourceSecret; shown: string };

/** One statement, without the `;` that ends it in docs/heartbeat.md (the plan prints its own). */
const sql = (statement: string, shown = statement): Step => ({
  kind: 'sql',
  sql: statement.replace(/;$/, ''),
  shown: shown.replace(/;$/, ''),
});

export function retentionSteps(setRetention: boolean): Step[] {
  return setRetention
    ? [sql(`CALL mysql.rds_set_configuration('binlog retention hours', ${RETENTION_HOURS})`)]
    : [];
}

/** The heartbeat's schema, table, row and EVENT: each created only when missing, the EVENT rescheduled when the mapping's interval changed. */
export function heartbeatSteps(beat: HeartbeatOptions, facts: HeartbeatFacts): Step[] {
  const statements = heartbeatStatements(beat);
  const steps: Step[] = [];
  if (!facts.schema) steps.push(sql(`CREATE DATABASE IF NOT EXISTS ${quoteId(beat.schema)}`));
  if (!facts.table) steps.push(sql(statements.table));
  if (!facts.row) steps.push(sql(statements.seed));
  const every = `${beat.intervalSeconds} SECOND`;
  if (!facts.event) steps.push(sql(statements.event));
  else if (facts.event.every !== every || facts.event.status !== 'ENABLED') {
    steps.push(
      sql(
        `ALTER EVENT ${quoteId(beat.schema)}.${quoteId(`${beat.table}_tick`)} ON SCHEDULE EVERY ${every} ENABLE`,
      ),
    );
  }
  return steps;
}

export interface UserPlan {
  account: string;
  exists: boolean;
  /** A new password to set: the user is new, or the stored one no longer logs in. */
  newPassword?: string;
  /** What the secret must hold afterwards, when it differs from what is stored. */
  secret?: SourceSecret;
  gap: GrantGap;
}

/** The DMS user: created or its password reset, the secret written right after, then the missing grants. */
export function userSteps(plan: UserPlan, where: string): Step[] {
  const steps: Step[] = [];
  if (plan.newPassword !== undefined) {
    const verb = plan.exists ? 'ALTER' : 'CREATE';
    steps.push(
      sql(
        `${verb} USER ${plan.account} IDENTIFIED BY ${quoteString(plan.newPassword)}`,
        `${verb} USER ${plan.account} IDENTIFIED BY '<generated, ${plan.newPassword.length} characters>'${plan.exists ? ` -- the password in ${where} does not log in` : ''}`,
      ),
    );
  }
  if (plan.secret) {
    steps.push({
      kind: 'secret',
      secret: plan.secret,
      shown: `write {"username","password","host","port"} for ${plan.secret.username}@${plan.secret.host}:${plan.secret.port} to ${where}`,
    });
  }
  if (plan.gap.global.length > 0) steps.push(sql(grantGlobalSql(plan.gap.global, plan.account)));
  for (const ref of plan.gap.tables) steps.push(sql(grantSelectSql(ref, plan.account)));
  return steps;
}

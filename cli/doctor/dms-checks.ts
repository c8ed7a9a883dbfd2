import {
  type DatabaseMigrationServiceClient,
  DescribeConnectionsCommand,
  DescribeReplicationTaskAssessmentRunsCommand,
  DescribeReplicationTaskIndividualAssessmentsCommand,
  DescribeReplicationTasksCommand,
  type ReplicationTask,
  StartReplicationTaskAssessmentRunCommand,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { replicationConfigIdentifier } from '../../lambdas/shared/naming.js';
import { type CheckResult, fail, failedCall, pass, skip } from './report.js';

export type Sleep = (ms: number) => Promise<void>;

export interface DmsCheckOptions {
  dms: DatabaseMigrationServiceClient;
  sleep: Sleep;
  /** Polls of DescribeConnections / DescribeReplicationTaskAssessmentRuns before giving up. */
  maxPolls?: number;
  pollMs?: number;
}

/** The source's replication task, named `dms2bq-<stage>-<source>` as the stack names it. */
export async function findTask(
  options: DmsCheckOptions,
  stage: string,
  source: string,
): Promise<{ result: CheckResult; task?: ReplicationTask }> {
  const id = replicationConfigIdentifier(stage, source);
  const check = `DMS task ${id}`;
  try {
    const { ReplicationTasks = [] } = await options.dms.send(
      new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: [id] }] }),
    );
    const task = ReplicationTasks[0];
    if (!task)
      return { result: fail(check, 'not found', `deploy the stage: npx cdk deploy -c stage=${stage}`) };
    return { result: pass(check, `${task.Status}${task.StopReason ? ` (${task.StopReason})` : ''}`), task };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundFault') {
      return { result: fail(check, 'not found', `deploy the stage: npx cdk deploy -c stage=${stage}`) };
    }
    return { result: failedCall(check, error, 'the identity needs dms:DescribeReplicationTasks') };
  }
}

/**
 * DMS's own connection test from the task's replication instance to each endpoint: TestConnection
 * starts it, DescribeConnections reports `testing` until it is `successful` or `failed`.
 */
export async function testEndpoints(options: DmsCheckOptions, task: ReplicationTask): Promise<CheckResult[]> {
  const instance = task.ReplicationInstanceArn ?? '';
  const endpoints = [
    ['source', task.SourceEndpointArn],
    ['target', task.TargetEndpointArn],
  ] as const;
  const results: CheckResult[] = [];
  for (const [role, endpoint] of endpoints) {
    const check = `DMS connection ${task.ReplicationTaskIdentifier} → ${role} endpoint`;
    if (!endpoint) {
      results.push(fail(check, 'the task names no endpoint', 'redeploy the stage'));
      continue;
    }
    results.push(await testOne(options, check, instance, endpoint, role));
  }
  return results;
}

async function testOne(
  options: DmsCheckOptions,
  check: string,
  instance: string,
  endpoint: string,
  role: 'source' | 'target',
): Promise<CheckResult> {
  const fix =
    role === 'source'
      ? "check the secret's host/port, the database security group (it must let DMS in) and the DMS user's password"
      : "check the S3 endpoint's service-access role and the VPC path to S3";
  try {
    await options.dms.send(
      new TestConnectionCommand({ ReplicationInstanceArn: instance, EndpointArn: endpoint }),
    );
    for (let poll = 0; poll < (options.maxPolls ?? 60); poll++) {
      const { Connections = [] } = await options.dms.send(
        new DescribeConnectionsCommand({
          Filters: [
            { Name: 'endpoint-arn', Values: [endpoint] },
            { Name: 'replication-instance-arn', Values: [instance] },
          ],
        }),
      );
      const connection = Connections[0];
      if (connection?.Status === 'successful') return pass(check, 'successful');
      if (connection?.Status === 'failed') {
        return fail(check, `failed: ${connection.LastFailureMessage ?? 'no message'}`, fix);
      }
      await options.sleep(options.pollMs ?? 5_000);
    }
    return fail(check, 'still testing; DMS did not finish the test in time', 'rerun dms2bq doctor');
  } catch (error) {
    return failedCall(
      check,
      error,
      'the replication instance must be available; the identity needs dms:TestConnection',
    );
  }
}

/**
 * The individual premigration assessments that read the source's binary log settings and the DMS
 * user's replication privileges (API keys from "MySQL assessments", DMS User Guide).
 */
export const BINLOG_ASSESSMENTS = [
  'mysql-check-binlog-enabled',
  'mysql-check-binlog-format',
  'mysql-check-binlog-image',
  'mysql-check-binlog-compression',
  'mysql-check-expire-logs-days',
  'mysql-check-binlog-retention-time',
  'mysql-check-server-id',
  'mysql-check-replication-privileges',
] as const;

const RUN_DONE = new Set([
  'passed',
  'warning',
  'failed',
  'error-provisioning',
  'error-executing',
  'invalid state',
  'cancelling',
  'deleting',
]);

/** Runs the binlog assessments on the task; the results go to `bucket` as DMS requires. */
export async function assessBinlog(
  options: DmsCheckOptions,
  task: ReplicationTask,
  assessment: { bucket: string; roleArn: string },
): Promise<CheckResult[]> {
  const check = `binlog assessment ${task.ReplicationTaskIdentifier}`;
  try {
    const { ReplicationTaskAssessmentRun: run } = await options.dms.send(
      new StartReplicationTaskAssessmentRunCommand({
        ReplicationTaskArn: task.ReplicationTaskArn,
        ServiceAccessRoleArn: assessment.roleArn,
        ResultLocationBucket: assessment.bucket,
        AssessmentRunName: `dms2bq-doctor-${Date.now()}`,
        IncludeOnly: [...BINLOG_ASSESSMENTS],
      }),
    );
    const runArn = run?.ReplicationTaskAssessmentRunArn ?? '';
    let status = run?.Status ?? 'starting';
    for (let poll = 0; !RUN_DONE.has(status) && poll < (options.maxPolls ?? 60); poll++) {
      await options.sleep(options.pollMs ?? 5_000);
      const { ReplicationTaskAssessmentRuns = [] } = await options.dms.send(
        new DescribeReplicationTaskAssessmentRunsCommand({
          Filters: [{ Name: 'replication-task-assessment-run-arn', Values: [runArn] }],
        }),
      );
      status = ReplicationTaskAssessmentRuns[0]?.Status ?? status;
    }
    if (!RUN_DONE.has(status))
      return [fail(check, `still ${status}`, `see it in the DMS console (${runArn})`)];
    if (status.startsWith('error') || status === 'invalid state') {
      return [
        fail(check, `run ended ${status}`, `see s3://${assessment.bucket} and the DMS console (${runArn})`),
      ];
    }
    const { ReplicationTaskIndividualAssessments = [] } = await options.dms.send(
      new DescribeReplicationTaskIndividualAssessmentsCommand({
        Filters: [{ Name: 'replication-task-assessment-run-arn', Values: [runArn] }],
      }),
    );
    return ReplicationTaskIndividualAssessments.map((individual) => {
      const name = `binlog ${individual.IndividualAssessmentName}`;
      const state = individual.Status ?? 'unknown';
      if (state === 'passed') return pass(name, 'passed');
      if (state === 'skipped' || state === 'cancelled') return skip(name, state);
      return fail(
        name,
        state,
        `read its result in s3://${assessment.bucket}; binlog_format=ROW, binlog_row_image=FULL, retention ≥ 24 h`,
      );
    });
  } catch (error) {
    return [
      failedCall(
        check,
        error,
        'the role must trust dms.amazonaws.com and write to the bucket; the identity needs dms:StartReplicationTaskAssessmentRun and iam:PassRole',
      ),
    ];
  }
}

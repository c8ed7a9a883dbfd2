import {
  DatabaseMigrationServiceClient,
  DatabaseMigrationServiceServiceException,
  DescribeConnectionsCommand,
  DescribeReplicationTaskAssessmentRunsCommand,
  DescribeReplicationTaskIndividualAssessmentsCommand,
  DescribeReplicationTasksCommand,
  type ReplicationTask,
  StartReplicationTaskAssessmentRunCommand,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { mockClient } from 'aws-sdk-client-mock';

const fault = (name: string, message: string) =>
  new DatabaseMigrationServiceServiceException({
    name,
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });

export interface FakeDmsState {
  tasks: ReplicationTask[];
  /** ReplicationInstanceStatus; TestConnection needs `available`. */
  instanceStatus: string;
  /** Outcome of each endpoint's connection test, and its LastFailureMessage. */
  connections: Record<string, { status: 'successful' | 'failed'; message?: string }>;
  /** Status of each individual assessment by API key; absent ones pass. */
  assessments: Record<string, string>;
}

/**
 * DMS's documented state rules, as far as doctor uses them: TestConnection is refused unless the
 * replication instance is available; a test reads `testing` for a few DescribeConnections polls
 * before `successful`/`failed`; an assessment run needs a role and a bucket, goes starting → running
 * → passed/failed, and reports one individual assessment per IncludeOnly key.
 */
export function fakeDms(state: FakeDmsState) {
  const mock = mockClient(DatabaseMigrationServiceClient);
  const testing = new Map<string, number>();
  const runs = new Map<string, { polls: number; keys: string[] }>();
  mock
    .on(DescribeReplicationTasksCommand)
    .callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
      const ids = input.Filters?.find((filter) => filter.Name === 'replication-task-id')?.Values ?? [];
      const found = state.tasks.filter((task) => ids.includes(task.ReplicationTaskIdentifier ?? ''));
      if (found.length === 0)
        throw fault('ResourceNotFoundFault', 'No Tasks found matching provided filters');
      return { ReplicationTasks: found };
    });
  mock
    .on(TestConnectionCommand)
    .callsFake((input: { EndpointArn: string; ReplicationInstanceArn: string }) => {
      if (state.instanceStatus !== 'available') {
        throw fault(
          'InvalidResourceStateFault',
          `Replication instance is not in available state: ${state.instanceStatus}`,
        );
      }
      testing.set(input.EndpointArn, 2);
      return { Connection: { ...input, Status: 'testing' } };
    });
  mock
    .on(DescribeConnectionsCommand)
    .callsFake((input: { Filters?: { Name: string; Values: string[] }[] }) => {
      const endpoint = input.Filters?.find((filter) => filter.Name === 'endpoint-arn')?.Values[0] ?? '';
      const left = testing.get(endpoint);
      if (left === undefined) return { Connections: [] };
      testing.set(endpoint, left - 1);
      const outcome = state.connections[endpoint] ?? { status: 'successful' };
      return {
        Connections: [
          left > 0
            ? { EndpointArn: endpoint, Status: 'testing' }
            : { EndpointArn: endpoint, Status: outcome.status, LastFailureMessage: outcome.message },
        ],
      };
    });
  mock
    .on(StartReplicationTaskAssessmentRunCommand)
    .callsFake(
      (input: { ServiceAccessRoleArn?: string; ResultLocationBucket?: string; IncludeOnly?: string[] }) => {
        if (!input.ServiceAccessRoleArn || !input.ResultLocationBucket) {
          throw fault(
            'InvalidParameterValueException',
            'ServiceAccessRoleArn and ResultLocationBucket are required',
          );
        }
        const arn = `arn:aws:dms:eu-west-1:222222222222:assessment-run:${runs.size + 1}`;
        runs.set(arn, { polls: 0, keys: input.IncludeOnly ?? [] });
        return { ReplicationTaskAssessmentRun: { ReplicationTaskAssessmentRunArn: arn, Status: 'starting' } };
      },
    );
  const runStatus = (arn: string): string => {
    const run = runs.get(arn);
    if (!run) return 'invalid state';
    if (run.polls < 2) return run.polls === 0 ? 'provisioning' : 'running';
    return run.keys.some((key) => state.assessments[key] === 'failed') ? 'failed' : 'passed';
  };
  mock
    .on(DescribeReplicationTaskAssessmentRunsCommand)
    .callsFake((input: { Filters?: { Values: string[] }[] }) => {
      const arn = input.Filters?.[0]?.Values[0] ?? '';
      const run = runs.get(arn);
      if (run) run.polls++;
      return {
        ReplicationTaskAssessmentRuns: [{ ReplicationTaskAssessmentRunArn: arn, Status: runStatus(arn) }],
      };
    });
  mock
    .on(DescribeReplicationTaskIndividualAssessmentsCommand)
    .callsFake((input: { Filters?: { Values: string[] }[] }) => {
      const run = runs.get(input.Filters?.[0]?.Values[0] ?? '');
      return {
        ReplicationTaskIndividualAssessments: (run?.keys ?? []).map((key) => ({
          IndividualAssessmentName: key,
          Status: state.assessments[key] ?? 'passed',
        })),
      };
    });
  return mock;
}

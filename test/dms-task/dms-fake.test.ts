import {
  CreateEndpointCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DeleteEndpointCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  ModifyEndpointCommand,
  ModifyReplicationTaskCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
} from '@aws-sdk/client-database-migration-service';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DmsFake } from '../support/dms-fake.js';
import { IDENTIFIER, mappingWith, orders, taskProperties } from './support.js';

// The fake refuses what DMS documents it refuses; a handler bug then fails a test as it would fail a deploy.
let fake: DmsFake;
const dms = new DatabaseMigrationServiceClient({ region: 'eu-west-1' });
const mappings = taskProperties(mappingWith(orders)).TableMappings as string;
beforeEach(() => {
  fake = new DmsFake();
});
afterEach(() => fake.mock.restore());

describe('DMS fake state rules', () => {
  it('leaves the task settings out of DescribeReplicationTasks with WithoutSettings, as documented', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'running');
    const describe = (WithoutSettings: boolean) =>
      dms.send(
        new DescribeReplicationTasksCommand({
          Filters: [{ Name: 'replication-task-arn', Values: [arn] }],
          WithoutSettings,
        }),
      );

    // Act
    const [without, withSettings] = await Promise.all([describe(true), describe(false)]);

    // Assess
    expect(without.ReplicationTasks?.[0]?.ReplicationTaskSettings).toBeUndefined();
    expect(withSettings.ReplicationTasks?.[0]?.ReplicationTaskSettings).toEqual(expect.any(String));
  });

  it('refuses ModifyReplicationTask while the task runs', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'running');

    // Act
    const modify = dms.send(
      new ModifyReplicationTaskCommand({ ReplicationTaskArn: arn, TableMappings: mappings }),
    );

    // Assess
    await expect(modify).rejects.toMatchObject({ name: 'InvalidResourceStateFault' });
  });

  it('refuses ReloadTables unless the task runs', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'stopped');

    // Act
    const reload = dms.send(
      new ReloadTablesCommand({
        ReplicationTaskArn: arn,
        TablesToReload: [{ SchemaName: 'sales', TableName: 'orders' }],
      }),
    );

    // Assess
    await expect(reload).rejects.toMatchObject({ name: 'InvalidResourceStateFault' });
  });

  it('reports a reload in TableStatistics: running without FullLoadEndTime, then completed with it', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'running');
    const table = Object.keys(fake.tableStates(IDENTIFIER))[0] ?? '';
    fake.sourceRows[table] = 42;
    const [SchemaName = '', TableName = ''] = table.split('.');
    const statistics = async () =>
      (await dms.send(new DescribeTableStatisticsCommand({ ReplicationTaskArn: arn }))).TableStatistics?.[0];

    // Act
    await dms.send(
      new ReloadTablesCommand({ ReplicationTaskArn: arn, TablesToReload: [{ SchemaName, TableName }] }),
    );
    const running = await statistics();
    fake.tick();
    const completed = await statistics();

    // Assess
    const started = new Date(fake.now() - 30_000);
    expect(running).toMatchObject({
      TableState: 'Full load',
      FullLoadReloaded: true,
      FullLoadStartTime: started,
    });
    expect(running?.FullLoadEndTime).toBeUndefined();
    expect(completed).toMatchObject({
      TableState: 'Table completed',
      FullLoadReloaded: true,
      FullLoadStartTime: started,
      FullLoadEndTime: new Date(fake.now()),
      FullLoadRows: 42,
    });
  });

  it('refuses resume-processing as the first start of a task', async () => {
    // Prepare
    const props = taskProperties(mappingWith(orders));
    const endpoint = async (EndpointType: 'source' | 'target') =>
      (
        await dms.send(
          new CreateEndpointCommand({
            EndpointIdentifier: `${IDENTIFIER}-${EndpointType}`,
            EndpointType,
            EngineName: EndpointType === 'source' ? 'mysql' : 's3',
          }),
        )
      ).Endpoint?.EndpointArn;
    const { ReplicationTask } = await dms.send(
      new CreateReplicationTaskCommand({
        ReplicationTaskIdentifier: IDENTIFIER,
        ReplicationInstanceArn: props.ReplicationInstanceArn,
        SourceEndpointArn: await endpoint('source'),
        TargetEndpointArn: await endpoint('target'),
        MigrationType: 'full-load-and-cdc',
        TableMappings: mappings,
      }),
    );
    fake.tick();

    // Act
    const resume = dms.send(
      new StartReplicationTaskCommand({
        ReplicationTaskArn: ReplicationTask?.ReplicationTaskArn,
        StartReplicationTaskType: 'resume-processing',
      }),
    );

    // Assess
    await expect(resume).rejects.toMatchObject({ name: 'InvalidOperationFault' });
  });

  it('moves stopping to stopped only on a tick', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'running');
    await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
    const status = async () =>
      (
        await dms.send(
          new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }] }),
        )
      ).ReplicationTasks?.[0]?.Status;
    const before = await status();

    // Act
    fake.tick();

    // Assess
    expect([before, await status()]).toEqual(['stopping', 'stopped']);
  });

  it('refuses ModifyEndpoint on an endpoint a running task uses, and accepts it once stopped', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'running');
    const target = fake.task(IDENTIFIER)?.TargetEndpointArn;
    const modify = () =>
      dms.send(new ModifyEndpointCommand({ EndpointArn: target, S3Settings: { CdcMaxBatchInterval: 900 } }));

    // Act
    const whileRunning = modify();
    await expect(whileRunning).rejects.toMatchObject({ name: 'InvalidResourceStateFault' });
    await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
    fake.tick();

    // Assess
    expect(await modify()).toMatchObject({ Endpoint: { EndpointArn: target } });
  });

  it('refuses to start a task while a modified endpoint is being tested', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'stopped');
    const target = fake.task(IDENTIFIER)?.TargetEndpointArn;
    await dms.send(
      new ModifyEndpointCommand({ EndpointArn: target, S3Settings: { CdcMaxBatchInterval: 900 } }),
    );
    const resume = () =>
      dms.send(
        new StartReplicationTaskCommand({
          ReplicationTaskArn: arn,
          StartReplicationTaskType: 'resume-processing',
        }),
      );

    // Act
    const during = resume();
    await expect(during).rejects.toThrow('Replication Task cannot be started, invalid state');
    fake.tick();

    // Assess
    expect(await resume()).toMatchObject({ ReplicationTask: { Status: 'starting' } });
  });

  it('refuses DeleteEndpoint while a task uses the endpoint', async () => {
    // Prepare
    fake.seed(IDENTIFIER, mappings, 'stopped');

    // Act
    const deleting = dms.send(
      new DeleteEndpointCommand({ EndpointArn: fake.task(IDENTIFIER)?.SourceEndpointArn }),
    );

    // Assess
    await expect(deleting).rejects.toMatchObject({ name: 'InvalidResourceStateFault' });
  });

  it('answers a filter that matches nothing with ResourceNotFoundFault', async () => {
    // Act
    const describe = dms.send(
      new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: ['nope'] }] }),
    );

    // Assess
    await expect(describe).rejects.toMatchObject({ name: 'ResourceNotFoundFault' });
  });
  it('moves ReplicationTaskStats.StartDate on a resume, FreshStartDate only on a fresh start, and StopDate on a stop', async () => {
    // Prepare
    const arn = fake.seed(IDENTIFIER, mappings, 'running');
    const describe = async () =>
      (
        await dms.send(
          new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-arn', Values: [arn] }] }),
        )
      ).ReplicationTasks?.[0];
    const first = (await describe())?.ReplicationTaskStats;

    // Act
    fake.tick();
    await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
    fake.settle();
    const stopped = (await describe())?.ReplicationTaskStats;
    fake.tick();
    await dms.send(
      new StartReplicationTaskCommand({
        ReplicationTaskArn: arn,
        StartReplicationTaskType: 'resume-processing',
      }),
    );
    fake.settle();
    const resumed = await describe();

    // Assess
    expect(stopped?.StopDate?.getTime()).toBeGreaterThan(
      first?.StartDate?.getTime() ?? Number.POSITIVE_INFINITY,
    );
    expect(resumed?.ReplicationTaskStats?.StartDate?.getTime()).toBeGreaterThan(
      stopped?.StopDate?.getTime() ?? 0,
    );
    expect(resumed?.ReplicationTaskStats?.FreshStartDate).toEqual(first?.FreshStartDate);
    expect(resumed?.ReplicationTaskStats?.StopDate).toBeUndefined();
    // Documented only as the scheduled start: nothing says a start or resume sets it.
    expect(resumed?.ReplicationTaskStartDate).toBeUndefined();
  });
});

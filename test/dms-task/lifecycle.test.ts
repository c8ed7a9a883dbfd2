import {
  CreateEndpointCommand,
  DatabaseMigrationServiceClient,
  DeleteReplicationTaskCommand,
  InvalidResourceStateFault,
  ModifyReplicationTaskCommand,
  ReloadTablesCommand,
  StartReplicationTaskCommand,
  StopReplicationTaskCommand,
  TestConnectionCommand,
} from '@aws-sdk/client-database-migration-service';
import { afterEach, describe, expect, it } from 'vitest';
import { isComplete, onEvent } from '../../lambdas/dms-task/lifecycle.js';
import { tableMappingsJson } from '../../lambdas/shared/dms/table-mappings.js';
import { DmsFake, type DmsFakeOptions } from '../support/dms-fake.js';
import { tableMappingFactory } from '../support/mappings.js';
import {
  CERTIFICATE,
  customers,
  deploy,
  IDENTIFIER,
  mappingWith,
  orders,
  rollbackOf,
  runningSource,
  sourceEndpoint,
  targetEndpoint,
  taskProperties,
  update,
} from './support.js';

let fake: DmsFake;
afterEach(() => fake.mock.restore());

const dms = new DatabaseMigrationServiceClient({ region: 'eu-west-1' });

/** What an operator's "Test connection" in the console does to the endpoint of that identifier. */
const testConnection = (identifier: string) =>
  dms.send(
    new TestConnectionCommand({
      ReplicationInstanceArn: 'arn:aws:dms:eu-west-1:111111111111:rep:INSTANCE',
      EndpointArn: fake.endpoint(identifier)?.EndpointArn,
    }),
  );

/** An operator deletes the task outside the deploy: stop, then delete once stopped. */
async function deleteOutOfBand(arn: string) {
  await dms.send(new StopReplicationTaskCommand({ ReplicationTaskArn: arn }));
  fake.settle();
  await dms.send(new DeleteReplicationTaskCommand({ ReplicationTaskArn: arn }));
  fake.settle();
}

/** A running source whose task the forward `update` stopped before another resource failed. */
async function stoppedByFailedUpdate(options: DmsFakeOptions = {}) {
  fake = new DmsFake(options);
  const physicalId = await runningSource(fake, mappingWith(orders));
  const forward = update(physicalId, mappingWith(orders), mappingWith(orders, customers));
  const deps = { dms: fake.mock as never, now: fake.now };
  const started = await onEvent(forward, deps);
  await isComplete({ ...forward, ...started }, deps);
  fake.settle();
  fake.mock.resetHistory();
  return forward;
}

const startTypes = () =>
  fake.mock
    .commandCalls(StartReplicationTaskCommand)
    .map((call) => call.args[0].input.StartReplicationTaskType);

describe('first deploy', () => {
  it('creates the task and starts it with start-replication, completing once it runs', async () => {
    // Prepare
    fake = new DmsFake();

    // Act
    const { physicalId, data } = await deploy(fake, {
      RequestType: 'Create',
      ResourceProperties: taskProperties(mappingWith(orders)),
    });

    // Assess
    expect(fake.task(IDENTIFIER)).toMatchObject({ ReplicationTaskArn: physicalId, Status: 'running' });
    expect(startTypes()).toEqual(['start-replication']);
    expect(data.TaskResourceId).toBe(physicalId.split(':').at(-1));
    expect(fake.loadHistory).toEqual(['sales.orders']);
  });

  it('waits for a connection test of its source endpoint before the first start', async () => {
    // Prepare: an operator tests the source endpoint right after the task is created
    fake = new DmsFake();
    const deps = { dms: fake.mock as never, now: fake.now };
    const request = {
      RequestType: 'Create' as const,
      ResourceProperties: taskProperties(mappingWith(orders)),
    };
    const { PhysicalResourceId, Data } = await onEvent(request, deps);
    const source = fake.endpoint(`${IDENTIFIER}-source`);
    await new DatabaseMigrationServiceClient({ region: 'eu-west-1' }).send(
      new TestConnectionCommand({
        ReplicationInstanceArn: 'arn:aws:dms:eu-west-1:111111111111:rep:INSTANCE',
        EndpointArn: source?.EndpointArn,
      }),
    );

    // Act: StartReplicationTask during the test is refused, so a start now would throw
    const polls: boolean[] = [];
    for (let poll = 0; poll < 10 && !polls.at(-1); poll++) {
      polls.push((await isComplete({ ...request, PhysicalResourceId, Data }, deps)).IsComplete);
      fake.tick();
    }

    // Assess
    expect(polls.slice(0, 2)).toEqual([false, false]);
    expect(polls.at(-1)).toBe(true);
    expect(startTypes()).toEqual(['start-replication']);
  });

  it('fails naming the wait when a connection test outlasts the wait bound of the first start', async () => {
    // Prepare
    fake = new DmsFake();
    const deps = { dms: fake.mock as never, now: fake.now };
    const request = {
      RequestType: 'Create' as const,
      ResourceProperties: taskProperties(mappingWith(orders), { WaitTimeoutSeconds: '60' }),
    };
    const created = await onEvent(request, deps);
    fake.tick(); // ready
    await testConnection(`${IDENTIFIER}-source`);
    const first = await isComplete({ ...request, ...created }, deps);
    fake.tick(60);

    // Act
    const second = isComplete({ ...request, ...created }, deps);

    // Assess
    expect(first).toEqual({ IsComplete: false });
    await expect(second).rejects.toThrow(
      `${IDENTIFIER} is still waiting for a connection test of its endpoints after 60 s`,
    );
    expect(startTypes()).toEqual([]);
  });

  it('fails saying so when the new task fails without a failure message', async () => {
    // Prepare
    fake = new DmsFake();
    fake.failNextStart = 'to be cleared';
    const deps = { dms: fake.mock as never, now: fake.now };
    const request = {
      RequestType: 'Create' as const,
      ResourceProperties: taskProperties(mappingWith(orders)),
    };
    const created = await onEvent(request, deps);
    fake.tick(); // ready
    await isComplete({ ...request, ...created }, deps); // start-replication
    fake.tick(); // failed
    const task = fake.task(IDENTIFIER);
    if (task) task.LastFailureMessage = undefined; // ReplicationTask.LastFailureMessage is optional

    // Act
    const failed = isComplete({ ...request, ...created }, deps);

    // Assess
    await expect(failed).rejects.toThrow(`${IDENTIFIER} failed: no failure message;`);
  });

  it('fails naming the failure message when the new task fails to start', async () => {
    // Prepare
    fake = new DmsFake();
    fake.failNextStart = 'Access denied to secret';

    // Act
    const created = deploy(fake, {
      RequestType: 'Create',
      ResourceProperties: taskProperties(mappingWith(orders)),
    });

    // Assess
    await expect(created).rejects.toThrow(`${IDENTIFIER} failed: Access denied to secret`);
    await expect(created).rejects.toMatchObject({ name: 'TaskLifecycleError' });
  });
});

describe('mapping changes on a running task', () => {
  it('adds a table: stop, modify, resume-processing; only the new table is loaded', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    const logged: string[] = [];

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders, customers)), 40, (line) =>
      logged.push(line),
    );

    // Assess
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([
      'StopReplicationTaskCommand',
      'ModifyReplicationTaskCommand',
      'StartReplicationTaskCommand',
    ]);
    expect(logged).toEqual(
      expect.arrayContaining([`${IDENTIFIER}: stopping`, `${IDENTIFIER}: resume-processing`]),
    );
    expect(startTypes()).toEqual(['resume-processing']);
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'running',
      TableMappings: tableMappingsJson(mappingWith(orders, customers)),
    });
    expect(fake.loadHistory).toEqual(['sales.customers']);
  });

  it('reloads an added table that DMS did not start loading after the resume', async () => {
    // Prepare
    fake = new DmsFake({ loadsAddedTablesOnResume: false });
    const physicalId = await runningSource(fake, mappingWith(orders));

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders, customers)));

    // Assess
    expect(
      fake.mock.commandCalls(ReloadTablesCommand).map((call) => call.args[0].input.TablesToReload),
    ).toEqual([[{ SchemaName: 'sales', TableName: 'customers' }]]);
    expect(fake.loadHistory).toEqual(['sales.customers']);
  });

  it('reloads twelve added tables in two ReloadTables calls, ten then two (the documented limit per call)', async () => {
    // Prepare
    fake = new DmsFake({ loadsAddedTablesOnResume: false });
    const physicalId = await runningSource(fake, mappingWith(orders));
    const added = Array.from({ length: 12 }, (_, i) =>
      tableMappingFactory({ schema: 'sales', table: `t${String(i).padStart(2, '0')}` }),
    );

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders, ...added)), 80);

    // Assess
    const calls = fake.mock
      .commandCalls(ReloadTablesCommand)
      .map((call) => call.args[0].input.TablesToReload);
    expect(calls.map((tables) => tables?.length)).toEqual([10, 2]);
    expect(new Set(fake.loadHistory)).toEqual(new Set(added.map((table) => `sales.${table.table}`)));
  });

  it('removes a table: DMS stops capturing it and the others keep their state', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders, customers));

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders, customers), mappingWith(orders)));

    // Assess
    expect(startTypes()).toEqual(['resume-processing']);
    expect(fake.tableStates(IDENTIFIER)).toEqual({ 'sales.orders': 'Table completed' });
    expect(fake.loadHistory).toEqual([]);
  });

  it('changes excluded columns without reloading any table', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    const withExclusion = mappingWith({ ...orders, excludeColumns: ['email'] });

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), withExclusion));

    // Assess
    expect(fake.task(IDENTIFIER)?.TableMappings).toContain('remove-column');
    expect(fake.loadHistory).toEqual([]);
    expect(startTypes()).toEqual(['resume-processing']);
  });

  it('changes an endpoint setting only while the task is stopped, then resumes it', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    const slower = mappingWith(orders);
    const target = { ...targetEndpoint(slower), S3Settings: { CdcMaxBatchInterval: 900 } };
    const logged: string[] = [];

    // Act
    await deploy(
      fake,
      update(physicalId, mappingWith(orders), slower, {
        TargetEndpoint: JSON.stringify({
          ...targetEndpoint(slower),
          S3Settings: { ...targetEndpoint(slower).S3Settings, ...target.S3Settings },
        }),
      }),
      40,
      (line) => logged.push(line),
    );

    // Assess
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([
      'StopReplicationTaskCommand',
      'ModifyEndpointCommand',
      'StartReplicationTaskCommand',
    ]);
    expect(fake.endpoint(`${IDENTIFIER}-target`)?.S3Settings).toMatchObject({ CdcMaxBatchInterval: 900 });
    expect(logged).toContain(`${IDENTIFIER}: modifying endpoint ${IDENTIFIER}-target`);
    expect(fake.mock.commandCalls(ModifyReplicationTaskCommand)).toEqual([]);
    expect(startTypes()).toEqual(['resume-processing']);
    expect(fake.task(IDENTIFIER)?.Status).toBe('running');
  });

  it('creates the endpoints tagged with the stage, the source verifying the server certificate', async () => {
    // Prepare
    fake = new DmsFake();

    // Act
    const physicalId = await runningSource(fake, mappingWith(orders));

    // Assess
    const source = fake.endpoint(`${IDENTIFIER}-source`);
    expect(source).toMatchObject({ SslMode: 'verify-full', CertificateArn: CERTIFICATE });
    expect(fake.task(IDENTIFIER)?.SourceEndpointArn).toBe(source?.EndpointArn);
    for (const arn of [physicalId, source?.EndpointArn as string]) {
      expect(fake.tagsOf(arn)).toEqual([{ Key: 'dms2bq-stage', Value: 'dev' }]);
    }
  });

  it('touches nothing when DMS does not return a setting it was given', async () => {
    // Prepare
    fake = new DmsFake({ unreturnedS3Settings: ['ExpectedBucketOwner'] });
    const mapping = mappingWith(orders);
    const withOwner = JSON.stringify({
      ...targetEndpoint(mapping),
      S3Settings: { ...targetEndpoint(mapping).S3Settings, ExpectedBucketOwner: '111111111111' },
    });
    const created = await deploy(fake, {
      RequestType: 'Create',
      ResourceProperties: taskProperties(mapping, { TargetEndpoint: withOwner }),
    });
    fake.settle();
    fake.mock.resetHistory();

    // Act
    await deploy(fake, update(created.physicalId, mapping, mapping, { TargetEndpoint: withOwner }));

    // Assess
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([]);
  });

  it('touches nothing when the mapping did not change', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders)));

    // Assess
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([]);
  });
});

describe('tasks that are not running', () => {
  it('refuses an update of a task deleted outside the deploy, naming it', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    await deleteOutOfBand(physicalId);

    // Act
    const updating = deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders, customers)));

    // Assess
    await expect(updating).rejects.toThrow(
      `${IDENTIFIER}: replication task ${physicalId} does not exist any more; nothing was changed`,
    );
  });

  it('fails naming the task when it disappears during the update', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    const request = update(physicalId, mappingWith(orders), mappingWith(orders, customers));
    const deps = { dms: fake.mock as never, now: fake.now };
    const started = await onEvent(request, deps);
    await deleteOutOfBand(physicalId);

    // Act
    const polled = isComplete({ ...request, ...started }, deps);

    // Assess
    await expect(polled).rejects.toThrow(`${IDENTIFIER}: task ${physicalId} disappeared`);
  });

  it('starts a task that never ran with start-replication, the only valid first start', async () => {
    // Prepare: the create's onEvent made the task, which never started
    fake = new DmsFake();
    const deps = { dms: fake.mock as never, now: fake.now };
    const { PhysicalResourceId } = await onEvent(
      { RequestType: 'Create', ResourceProperties: taskProperties(mappingWith(orders)) },
      deps,
    );
    fake.tick(); // ready

    // Act
    await deploy(fake, update(PhysicalResourceId, mappingWith(orders), mappingWith(orders, customers)));

    // Assess
    expect(startTypes()).toEqual(['start-replication']);
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'running',
      TableMappings: tableMappingsJson(mappingWith(orders, customers)),
    });
  });

  it("waits for an operator's connection test of an endpoint before resuming", async () => {
    // Prepare
    const forward = await stoppedByFailedUpdate();
    await testConnection(`${IDENTIFIER}-source`);
    const logged: string[] = [];

    // Act: StartReplicationTask during the test is refused, so a resume now would throw
    await deploy(fake, rollbackOf(forward), 40, (line) => logged.push(line));

    // Assess
    expect(logged).toContain(`${IDENTIFIER}: waiting (waiting for a connection test of its endpoints)`);
    expect(startTypes()).toEqual(['resume-processing']);
    expect(fake.task(IDENTIFIER)?.Status).toBe('running');
  });

  it('resumes a task that failed within two hours of its last start, even with nothing to change', async () => {
    // Prepare: the start was the deploy's, so the failure is the deploy's to undo
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    fake.failTask(IDENTIFIER, 'Table sales.orders: access denied');

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders)));

    // Assess
    expect(startTypes()).toEqual(['resume-processing']);
    expect(fake.task(IDENTIFIER)?.Status).toBe('running');
  });

  it('leaves failed a task whose last start was two hours ago, to the minute', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    const lastStart = fake.task(IDENTIFIER)?.ReplicationTaskStats?.StartDate?.getTime() ?? 0;
    fake.tick((2 * 3600 * 1000 - (fake.now() - lastStart)) / 1000);
    fake.failTask(IDENTIFIER, 'Could not find first log file name in binary log index file');

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders, customers)));

    // Assess
    expect(fake.mock.commandCalls(StartReplicationTaskCommand)).toEqual([]);
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'failed',
      TableMappings: tableMappingsJson(mappingWith(orders, customers)),
    });
  });

  it('has nothing to do for a task that failed on its own and has what the update asks for', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    fake.tick(3 * 3600);
    fake.failTask(IDENTIFIER, 'Could not find first log file name in binary log index file');
    const request = update(physicalId, mappingWith(orders), mappingWith(orders));

    // Act
    const { Data } = await onEvent(request, { dms: fake.mock as never, now: fake.now });
    await deploy(fake, request);

    // Assess
    expect(Data).toMatchObject({ Action: 'none', KeepStopped: 'true' });
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([]);
    expect(fake.task(IDENTIFIER)?.Status).toBe('failed');
  });
});

describe('tasks in states that forbid the change', () => {
  it('modifies a FAILED task and leaves it failed for the runbook to resume', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    fake.tick(3 * 3600); // it ran for hours before it failed on its own
    fake.failTask(IDENTIFIER, 'Could not find first log file name in binary log index file');

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders, customers)));

    // Assess
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'failed',
      TableMappings: tableMappingsJson(mappingWith(orders, customers)),
    });
    expect(fake.mock.commandCalls(StartReplicationTaskCommand)).toEqual([]);
  });

  it('waits for a running reload to finish before stopping the task', async () => {
    // Prepare
    fake = new DmsFake({ loadTicks: 3 });
    const physicalId = await runningSource(fake, mappingWith(orders));
    fake.reloadTable(IDENTIFIER, 'sales.orders');
    fake.mock.resetHistory();
    fake.loadHistory.length = 0;

    // Act
    await deploy(fake, update(physicalId, mappingWith(orders), mappingWith(orders, customers)));

    // Assess
    const stopIndex = fake.calls().indexOf('StopReplicationTaskCommand');
    const pollsBeforeStop = fake
      .calls()
      .slice(0, stopIndex)
      .filter((name) => name === 'DescribeTableStatisticsCommand');
    expect(pollsBeforeStop.length).toBeGreaterThan(1);
    expect(fake.loadHistory).toEqual(['sales.customers']);
    expect(fake.task(IDENTIFIER)?.Status).toBe('running');
  });

  it('fails naming the state when a reload outlasts the wait bound, with the task untouched', async () => {
    // Prepare
    fake = new DmsFake({ loadTicks: 100 });
    const physicalId = await runningSource(fake, mappingWith(orders));
    fake.reloadTable(IDENTIFIER, 'sales.orders');

    // Act
    const updating = deploy(
      fake,
      update(physicalId, mappingWith(orders), mappingWith(orders, customers), { WaitTimeoutSeconds: '120' }),
    );

    // Assess
    await expect(updating).rejects.toThrow(
      `${IDENTIFIER} is still running a full load or reload of sales.orders after 120 s`,
    );
    expect(fake.mock.commandCalls(StopReplicationTaskCommand)).toEqual([]);
  });

  it('names every table still loading when the loads outlast the wait bound', async () => {
    // Prepare
    fake = new DmsFake({ loadTicks: 100 });
    const physicalId = await runningSource(fake, mappingWith(orders, customers));
    const items = tableMappingFactory({ schema: 'sales', table: 'items' });

    // Act
    const updating = deploy(
      fake,
      update(physicalId, mappingWith(orders, customers), mappingWith(orders, customers, items), {
        WaitTimeoutSeconds: '120',
      }),
    );

    // Assess
    await expect(updating).rejects.toThrow(
      `${IDENTIFIER} is still running a full load or reload of sales.orders, sales.customers after 120 s`,
    );
  });

  it('waits at the deadline itself and fails only past it', async () => {
    // Prepare: a stop that outlasts the bound
    fake = new DmsFake({ stopTicks: 100 });
    const physicalId = await runningSource(fake, mappingWith(orders));
    const request = update(physicalId, mappingWith(orders), mappingWith(orders, customers), {
      WaitTimeoutSeconds: '60',
    });
    const requestedAt = fake.now();
    const started = await onEvent(request, { dms: fake.mock as never, now: fake.now });
    const poll = (now: number) =>
      isComplete({ ...request, ...started }, { dms: fake.mock as never, now: () => now });
    await poll(requestedAt); // stops the task
    fake.tick();

    // Act
    const atDeadline = await poll(requestedAt + 60_000);
    const pastDeadline = poll(requestedAt + 60_001);

    // Assess
    expect(atDeadline).toEqual({ IsComplete: false });
    await expect(pastDeadline).rejects.toThrow(`${IDENTIFIER} is still stopping after 60 s`);
  });

  it('refuses a source engine change before touching the task, and the rollback changes nothing', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    const moved = update(physicalId, mappingWith(orders), mappingWith(orders), {
      SourceEndpoint: JSON.stringify(sourceEndpoint({ EngineName: 'aurora' })),
    });

    // Act
    const refused = deploy(fake, moved);
    await expect(refused).rejects.toThrow(/SourceEngineName changed and DMS cannot change it/);
    await deploy(fake, {
      ...moved,
      OldResourceProperties: moved.ResourceProperties,
      ResourceProperties: moved.OldResourceProperties,
    });

    // Assess
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([]);
  });
});

describe('a failed update rolled back', () => {
  it('reapplies the old mappings through the same update path, so DMS rules match the old routing', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    const forward = update(physicalId, mappingWith(orders), mappingWith(orders, customers));
    fake.failNextStart = 'Table sales.customers: access denied';
    await expect(deploy(fake, forward)).rejects.toThrow(/failed: Table sales.customers: access denied/);

    // Act
    await deploy(fake, rollbackOf(forward));

    // Assess: the task the deploy made fail runs again with the old mappings.
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'running',
      TableMappings: tableMappingsJson(mappingWith(orders)),
    });
  });

  it('resumes a task the failed update had stopped, once', async () => {
    // Prepare: the forward update stopped the task; then another resource failed
    const forward = await stoppedByFailedUpdate();

    // Act
    await deploy(fake, {
      ...forward,
      OldResourceProperties: forward.ResourceProperties,
      ResourceProperties: taskProperties(mappingWith(orders)),
    });

    // Assess: the resume is the rollback's own start, not a task to stop again
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'running',
      TableMappings: tableMappingsJson(mappingWith(orders)),
    });
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([
      'StartReplicationTaskCommand',
    ]);
  });
});

describe('every failure point of an update, rolled back', () => {
  // The update adds a table and changes a target setting, so it stops, modifies both endpoints'
  // owner and the task, and resumes. Whatever step fails, the rollback leaves the task running with
  // the old mappings and the old endpoint settings.
  const before = mappingWith(orders);
  const after = mappingWith(orders, customers);
  const slowerTarget = JSON.stringify({
    ...targetEndpoint(after),
    S3Settings: { ...targetEndpoint(after).S3Settings, CdcMaxBatchInterval: 900 },
  });
  const refused = (message: string) => new InvalidResourceStateFault({ message, $metadata: {} });

  const failures: [string, (fake: DmsFake) => void, Record<string, string>][] = [
    ['the stop is refused', (f) => f.failNext('StopReplicationTask', refused('stop refused')), {}],
    ['ModifyEndpoint is refused', (f) => f.failNext('ModifyEndpoint', refused('endpoint refused')), {}],
    [
      'ModifyReplicationTask is refused',
      (f) => f.failNext('ModifyReplicationTask', refused('modify refused')),
      {},
    ],
    ['the resume is refused', (f) => f.failNext('StartReplicationTask', refused('start refused')), {}],
    [
      'the resumed task fails',
      (f) => {
        f.failNextStart = 'Table sales.customers: access denied';
      },
      {},
    ],
    ['the stop outlasts the bound', () => undefined, { WaitTimeoutSeconds: '60' }],
  ];

  it.each(failures)('%s: the rollback leaves the task running as it was', async (_, inject, extra) => {
    // Prepare
    fake = new DmsFake({ stopTicks: extra.WaitTimeoutSeconds ? 4 : 1 });
    const physicalId = await runningSource(fake, before);
    const forward = update(physicalId, before, after, { TargetEndpoint: slowerTarget, ...extra });
    inject(fake);
    await expect(deploy(fake, forward)).rejects.toThrow();

    // Act
    await deploy(fake, rollbackOf(forward));

    // Assess
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'running',
      TableMappings: tableMappingsJson(before),
    });
    expect(fake.endpoint(`${IDENTIFIER}-target`)?.S3Settings).toMatchObject(
      targetEndpoint(before).S3Settings ?? {},
    );
  });

  it('a later resource fails while the added table loads: the rollback does not wait for that load', async () => {
    // Prepare
    fake = new DmsFake({ loadTicks: 1000 });
    const physicalId = await runningSource(fake, before);
    for (let tick = 0; tick < 1000; tick++) fake.tick(); // the first full load of orders finishes
    const forward = update(physicalId, before, after);
    await deploy(fake, forward);
    expect(fake.tableStates(IDENTIFIER)['sales.customers']).toBe('Full load');

    // Act
    await deploy(fake, {
      ...rollbackOf(forward),
      ResourceProperties: taskProperties(before, { WaitTimeoutSeconds: '120' }),
    });

    // Assess
    expect(fake.task(IDENTIFIER)).toMatchObject({
      Status: 'running',
      TableMappings: tableMappingsJson(before),
    });
    expect(fake.tableStates(IDENTIFIER)).toEqual({ 'sales.orders': 'Table completed' });
  });
});

describe('delete', () => {
  it('stops a running task, waits for it, and deletes it', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));

    // Act
    await deploy(fake, {
      RequestType: 'Delete',
      PhysicalResourceId: physicalId,
      ResourceProperties: taskProperties(mappingWith(orders)),
    });

    // Assess
    expect(fake.task(IDENTIFIER)).toBeUndefined();
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([
      'StopReplicationTaskCommand',
      'DeleteReplicationTaskCommand',
      'DeleteEndpointCommand',
      'DeleteEndpointCommand',
    ]);
    expect(fake.endpoint(`${IDENTIFIER}-source`)).toBeUndefined();
  });

  it('deletes a stopped task without asking DMS to stop it', async () => {
    // Prepare
    fake = new DmsFake();
    const physicalId = await runningSource(fake, mappingWith(orders));
    await new DatabaseMigrationServiceClient({ region: 'eu-west-1' }).send(
      new StopReplicationTaskCommand({ ReplicationTaskArn: physicalId }),
    );
    fake.settle();
    fake.mock.resetHistory();

    // Act
    await deploy(fake, {
      RequestType: 'Delete',
      PhysicalResourceId: physicalId,
      ResourceProperties: taskProperties(mappingWith(orders)),
    });

    // Assess
    expect(fake.task(IDENTIFIER)).toBeUndefined();
    expect(fake.calls().filter((name) => !name.startsWith('Describe'))).toEqual([
      'DeleteReplicationTaskCommand',
      'DeleteEndpointCommand',
      'DeleteEndpointCommand',
    ]);
  });

  it('waits out a stop of several polls before deleting the task', async () => {
    // Prepare
    fake = new DmsFake({ stopTicks: 3 });
    const physicalId = await runningSource(fake, mappingWith(orders));
    const logged: string[] = [];

    // Act: DeleteReplicationTask while the task is stopping is refused, so a delete now would throw
    await deploy(
      fake,
      {
        RequestType: 'Delete',
        PhysicalResourceId: physicalId,
        ResourceProperties: taskProperties(mappingWith(orders)),
      },
      40,
      (line) => logged.push(line),
    );

    // Assess
    expect(fake.task(IDENTIFIER)).toBeUndefined();
    expect(logged).toContain(`${IDENTIFIER}: waiting (stopping)`);
  });

  it('fails naming the state when a stop outlasts the wait bound of a delete', async () => {
    // Prepare
    fake = new DmsFake({ stopTicks: 100 });
    const physicalId = await runningSource(fake, mappingWith(orders));

    // Act
    const deleting = deploy(fake, {
      RequestType: 'Delete',
      PhysicalResourceId: physicalId,
      ResourceProperties: taskProperties(mappingWith(orders), { WaitTimeoutSeconds: '60' }),
    });

    // Assess
    await expect(deleting).rejects.toThrow(`${IDENTIFIER} is still stopping after 60 s`);
  });

  it('deletes the one endpoint left of a task already gone, and waits for it', async () => {
    // Prepare
    fake = new DmsFake();
    await dms.send(
      new CreateEndpointCommand({
        EndpointIdentifier: `${IDENTIFIER}-target`,
        EndpointType: 'target',
        EngineName: 's3',
      }),
    );
    const logged: string[] = [];

    // Act
    await deploy(
      fake,
      {
        RequestType: 'Delete',
        PhysicalResourceId: 'arn:aws:dms:eu-west-1:111111111111:task:GONE',
        ResourceProperties: taskProperties(mappingWith(orders)),
      },
      40,
      (line) => logged.push(line),
    );

    // Assess
    expect(fake.endpoint(`${IDENTIFIER}-target`)).toBeUndefined();
    expect(logged).toEqual([`${IDENTIFIER}: waiting (deleting its endpoints)`]);
  });

  it('succeeds when the task is already gone', async () => {
    // Prepare
    fake = new DmsFake();

    // Act
    const deleted = deploy(fake, {
      RequestType: 'Delete',
      PhysicalResourceId: 'arn:aws:dms:eu-west-1:111111111111:task:GONE',
      ResourceProperties: taskProperties(mappingWith(orders)),
    });

    // Assess
    await expect(deleted).resolves.toMatchObject({ physicalId: expect.stringContaining('GONE') });
  });
});

import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { FollowUpQueue } from '../../lambdas/loader/follow-ups.js';
import { processFile, routeFor, UnmappedTableError } from '../../lambdas/loader/process-file.js';
import { Deadline } from '../../lambdas/shared/bigquery/deadline.js';
import { getJob } from '../../lambdas/shared/bigquery/jobs.js';
import { parseLoaderMessage } from '../../lambdas/shared/messages.js';
import { dmsParquet } from './fixtures.js';
import { published, useProcessFileFixture } from './process-file-fixture.js';

const plenty = () => new Deadline(Date.now() + 60_000);
const OTHER_ETAG = '0123456789abcdef0123456789abcdef';

describe('routeFor', () => {
  it('names the key, the table and where mappings live when the table is not mapped', () => {
    // Prepare
    const key = 'casino_a/game/unmapped/2024/03/27/20240327-014301000.parquet';

    // Act
    const route = () => routeFor({}, key);

    // Assess
    expect(route).toThrow(
      new UnmappedTableError(`${key}: table casino_a/game/unmapped is not in mappings/ of this deployment`),
    );
  });
});

/** processFile's decisions: which version it loads, what a range or a second delivery counts as. */
describe('processFile', { timeout: 60_000 }, () => {
  const fixture = useProcessFileFixture();
  const replacedWarnings = () =>
    fixture.logs.filter((line) => String(line.message).startsWith('object replaced since'));

  it('acknowledges a range of an object replaced since the range was sent as obsolete, without a load job', async () => {
    // Prepare
    const route = fixture.route('obsolete_range', 'table');
    const landed = await fixture.land(route, dmsParquet({ rows: 3 }));
    const range = { ...landed, etag: OTHER_ETAG, rowGroups: { start: 0, end: 1 } };

    // Act
    const outcome = await processFile(range, fixture.deps(route), plenty());

    // Assess
    expect(outcome).toEqual({ outcome: 'range', jobId: '', rows: 0 });
    expect(replacedWarnings()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'object replaced since its row-group range was sent; the range is obsolete',
        key: landed.key,
        rangeEtag: OTHER_ETAG,
        etag: landed.etag,
        rowGroups: { start: 0, end: 1 },
      }),
    ]);
    const [exists] = await fixture.bigquery.dataset(route.dataset).table(route.targetTable).exists();
    expect(exists).toBe(false);
    const job = await getJob(
      fixture.bigquery,
      fixture.emulator.location,
      fixture.jobId(route, range, OTHER_ETAG),
    );
    expect(job).toBeUndefined();
  });

  it('loads the current content of an object replaced since its notification, under the current ETag, and warns', async () => {
    // Prepare
    const route = fixture.route('replaced_object');
    const landed = await fixture.land(route, dmsParquet({ rows: 4 }));
    const notified = { ...landed, etag: OTHER_ETAG };

    // Act
    const outcome = await processFile(notified, fixture.deps(route), plenty());

    // Assess
    expect(outcome).toMatchObject({
      outcome: 'loaded',
      rows: 4,
      jobId: fixture.jobId(route, landed, landed.etag),
    });
    expect(replacedWarnings()).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'object replaced since the notification; loading its current content',
        key: landed.key,
        notifiedEtag: OTHER_ETAG,
        etag: landed.etag,
      }),
    ]);
  });

  it.each([
    { case: 'the notification’s ETag is the object’s', etag: (current: string) => current },
    { case: 'the message has no ETag (a replay without one)', etag: () => undefined },
  ])('warns of no replaced object when $case', async ({ case: name, etag }) => {
    // Prepare
    const route = fixture.route(name.startsWith('the notification') ? 'same_etag' : 'no_etag');
    const landed = await fixture.land(route, dmsParquet({ rows: 2 }));
    const notifiedEtag = etag(landed.etag);
    const file = { bucket: landed.bucket, key: landed.key, ...(notifiedEtag ? { etag: notifiedEtag } : {}) };

    // Act
    const outcome = await processFile(file, fixture.deps(route), plenty());

    // Assess
    expect(outcome).toMatchObject({ outcome: 'loaded', rows: 2 });
    expect(fixture.logs.filter((line) => line.level === 'WARN')).toEqual([]);
  });

  it('acknowledges a range whose changelog load is done as a range: no rows and no duplicate counted', async () => {
    // Prepare: the file message loaded the file; a range of it arrives after the mapping became a view.
    const route = fixture.route('range_after_load');
    const landed = await fixture.land(route, dmsParquet({ rows: 3 }));
    const deps = fixture.deps(route);
    const loaded = await processFile(landed, deps, plenty());
    fixture.logs.length = 0;
    fixture.emf.length = 0;

    // Act
    const outcome = await processFile({ ...landed, rowGroups: { start: 0, end: 1 } }, deps, plenty());

    // Assess
    expect(outcome).toEqual({ outcome: 'range', jobId: loaded.jobId, rows: 0 });
    expect(published(fixture.emf, 'DuplicateDeliveries')).toEqual([]);
    expect(fixture.logs.filter((line) => line.level === 'INFO')).toEqual([]);
  });

  it('counts a range that had to load its file itself as a loaded file', async () => {
    // Prepare: no file message loaded the file before its range came.
    const route = fixture.route('range_loads');
    const landed = await fixture.land(route, dmsParquet({ rows: 3 }));

    // Act
    const outcome = await processFile(
      { ...landed, rowGroups: { start: 0, end: 1 } },
      fixture.deps(route),
      plenty(),
    );

    // Assess
    expect(outcome).toMatchObject({
      outcome: 'loaded',
      rows: 3,
      jobId: fixture.jobId(route, landed, landed.etag),
    });
    expect(published(fixture.emf, 'FilesLoaded')).toEqual([1]);
  });

  it('looks a missing table up once: the load that created it tells the container it exists', async () => {
    // Prepare: the first file's load creates the table; from then on a tables.get of it would fail.
    const route = fixture.route('looked_up_once');
    const deps = fixture.deps(route);
    await processFile(await fixture.land(route, dmsParquet({ rows: 2 })), deps, plenty());
    const second = await fixture.land(route, dmsParquet({ rows: 5 }));
    fixture.emulator.faults.failNext({
      method: 'GET',
      path: new RegExp(`/tables/${route.targetTable}$`),
      status: 403,
      reason: 'accessDenied',
    });

    // Act
    const outcome = await processFile(second, deps, plenty());

    // Assess
    expect(outcome).toMatchObject({ outcome: 'loaded', rows: 5 });
    expect(fixture.emulator.faults.injected).toBe(0);
  });

  it('hands a forced replay’s epoch on to the row-group range messages of its file', async () => {
    // Prepare: a table route whose file has 3 row groups of 2 rows, and ranges of at most 2 rows.
    const route = fixture.route('replayed_fan_out', 'table');
    const { QueueUrl = '' } = await fixture.aws.sqs.send(
      new CreateQueueCommand({ QueueName: 'process-file-edges-follow-ups' }),
    );
    const landed = await fixture.land(route, dmsParquet({ rows: 6, rowGroupSize: 2 }));
    const deps = fixture.deps(route, {
      followUps: new FollowUpQueue(fixture.aws.sqs, QueueUrl),
      rangeLimits: { maxRows: 2, maxBytes: 1e9 },
    });

    // Act
    const outcome = await processFile({ ...landed, replayEpoch: 7 }, deps, plenty());

    // Assess
    expect(outcome).toMatchObject({
      outcome: 'loaded',
      rows: 6,
      jobId: fixture.jobId(route, { ...landed, replayEpoch: 7 }, landed.etag),
    });
    const { Messages = [] } = await fixture.aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    const ranges = Messages.flatMap((message) => {
      const parsed = parseLoaderMessage(message.Body ?? '');
      return parsed.kind === 'files' ? parsed.files : [];
    });
    const starts = ranges.map((file) => [file.rowGroups?.start ?? -1, file.replayEpoch]);
    expect(starts.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [0, 7],
      [1, 7],
      [2, 7],
    ]);
  });
});

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_SEND_CONCURRENCY } from '../lambdas/replay/enqueue.js';
import type { ListPage, ListRequest, ObjectLister } from '../lambdas/replay/listing.js';
import { runReplay } from '../lambdas/replay/replay.js';
import { parseReplayRequest } from '../lambdas/replay/request.js';
import { cdcKey } from '../lambdas/shared/dms/keys.js';
import { replayMessage } from '../lambdas/shared/messages.js';
import { buildRoutingTable } from '../lambdas/shared/routing.js';
import type { BenchResult } from './run.js';

/**
 * Replay throughput and memory.
 * - Enqueue: the replay (listing, matching, message building, batching, retries) against a bare
 *   SendMessageBatch loop with the same concurrency, both into a fauxqs queue. fauxqs runs in a
 *   child process: in-process it shares one event loop with the client, and both sides would
 *   measure mostly fauxqs' own CPU. Keys come from an in-process paginated source, so both sides
 *   measure the queue path; fauxqs sorts its whole bucket on every ListObjectsV2 page, which would
 *   measure fauxqs, not the replay.
 * - Memory: a dry-run replay over 1,000,000 keys of the same in-process source, heap sampled after
 *   a forced GC every 100,000 keys.
 */
const ENQUEUE_FILES = 20_000;
const LISTED_KEYS = 1_000_000;
const CONCURRENCY = DEFAULT_SEND_CONCURRENCY;
const SOURCE = 'bench';
const routing = buildRoutingTable([
  {
    source: SOURCE,
    engine: 'mysql',
    bigquery: { dataset: 'bench_cdc' },
    tables: [{ schema: 'sales', table: 'orders', primaryKey: ['id'] }],
  },
]);
const FIRST = Date.UTC(2026, 0, 1);
const keyAt = (index: number) => cdcKey(SOURCE, 'sales', 'orders', new Date(FIRST + index * 100));

/** ListObjectsV2 over `count` generated CDC keys of bench/sales/orders, 1,000 per page. */
class GeneratedLister implements ObjectLister {
  constructor(
    private readonly count: number,
    private readonly onPage: (index: number) => void = () => undefined,
  ) {}

  async listPage(request: ListRequest): Promise<ListPage> {
    if (request.startAfter !== undefined) return { objects: [] };
    const start = Number(request.continuationToken ?? 0);
    this.onPage(start);
    const end = Math.min(start + 1000, this.count);
    const objects = [];
    for (let i = start; i < end; i++)
      objects.push({ key: keyAt(i), etag: `"${i.toString(16).padStart(32, '0')}"` });
    return end < this.count ? { objects, nextToken: String(end) } : { objects };
  }
}

async function bareLoop(sqs: SQSClient, queueUrl: string, files: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < files) {
      const first = next;
      next += 10;
      const entries = [];
      for (let i = first; i < Math.min(first + 10, files); i++) {
        const body = JSON.stringify(replayMessage({ bucket: 'dms-landing', key: keyAt(i), etag: `${i}` }));
        entries.push({ Id: String(i - first), MessageBody: body });
      }
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return files / ((performance.now() - started) / 1000);
}

async function replayLoop(sqs: SQSClient, queueUrl: string, files: number): Promise<number> {
  const plan = parseReplayRequest({ source: SOURCE }, routing);
  const started = performance.now();
  const summary = await runReplay(
    plan,
    {
      lister: new GeneratedLister(files),
      sqs,
      bucket: 'dms-landing',
      queueUrl,
      enqueue: { concurrency: CONCURRENCY },
    },
    { getRemainingTimeInMillis: () => 900_000 },
  );
  if (summary.enqueued !== files) throw new Error(`replay enqueued ${summary.enqueued} of ${files}`);
  return files / ((performance.now() - started) / 1000);
}

async function listingMemory(): Promise<{ samples: { keys: number; heapMb: number }[]; seconds: number }> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const samples: { keys: number; heapMb: number }[] = [];
  const sample = (keys: number) => {
    gc();
    samples.push({ keys, heapMb: process.memoryUsage().heapUsed / 2 ** 20 });
  };
  const lister = new GeneratedLister(LISTED_KEYS, (index) => {
    if (index % 100_000 === 0) sample(index);
  });
  const plan = parseReplayRequest({ source: SOURCE, dryRun: true }, routing);
  const started = performance.now();
  const summary = await runReplay(
    plan,
    // A dry run sends nothing: the client is never used.
    { lister, sqs: new SQSClient({ region: 'us-east-1' }), bucket: 'dms-landing', queueUrl: 'unused' },
    { getRemainingTimeInMillis: () => 900_000 },
  );
  sample(summary.listed);
  if (summary.matched !== LISTED_KEYS)
    throw new Error(`dry run matched ${summary.matched} of ${LISTED_KEYS}`);
  return { samples, seconds: (performance.now() - started) / 1000 };
}

/** fauxqs on a free port in its own Node process, with an SQS client pointed at it. */
async function startFauxqsProcess() {
  const script =
    "const { startFauxqs } = await import('fauxqs'); const s = await startFauxqs({ port: 0, logger: false }); process.stdout.write(s.port + '\\n');";
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  const sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${Number(String(chunk).trim())}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    sqs,
    stop: async () => {
      sqs.destroy();
      child.kill();
      await once(child, 'exit');
    },
  };
}

export default async function bench(): Promise<BenchResult> {
  const fauxqs = await startFauxqsProcess();
  const bare: number[] = [];
  const replay: number[] = [];
  try {
    for (let round = 0; round < 2; round++) {
      for (const [name, run, rates] of [
        ['bare', bareLoop, bare],
        ['replay', replayLoop, replay],
      ] as const) {
        const { QueueUrl } = await fauxqs.sqs.send(
          new CreateQueueCommand({ QueueName: `bench-${name}-${round}` }),
        );
        rates.push(await run(fauxqs.sqs, QueueUrl as string, ENQUEUE_FILES));
      }
    }
  } finally {
    await fauxqs.stop();
  }
  const memory = await listingMemory();
  const bestBare = Math.max(...bare);
  const bestReplay = Math.max(...replay);
  const ratio = bestBare / bestReplay;
  const heaps = memory.samples.map((s) => s.heapMb);
  const growth = (heaps.at(-1) ?? 0) - (heaps[1] ?? 0);
  const flat = growth < 16;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const markdown = [
    `Enqueue ${fmt(ENQUEUE_FILES)} replay messages into a fauxqs queue (fauxqs in its own process), ${CONCURRENCY} SendMessageBatch calls in flight, best of 2 rounds:`,
    '',
    '| | files/s |',
    '|---|---|',
    `| bare SendMessageBatch loop | ${fmt(bestBare)} |`,
    `| replay (list, match, build, batch, enqueue) | ${fmt(bestReplay)} |`,
    '',
    `Target ≥ 2,000 files/s and within 1.5× of the bare loop: ${fmt(bestReplay)} files/s, bare/replay = ${ratio.toFixed(2)} — ${bestReplay >= 2000 && ratio <= 1.5 ? 'met' : 'NOT met'}.`,
    '',
    `Dry-run replay over ${fmt(LISTED_KEYS)} keys from an in-process paginated source (1,000 per page; fauxqs is too slow to hold 1M objects): ${memory.seconds.toFixed(1)} s, heap after GC (MB) at ${memory.samples.map((s) => `${fmt(s.keys)}: ${s.heapMb.toFixed(1)}`).join(', ')}.`,
    '',
    `Target: memory flat while listing. Heap growth from 100,000 to ${fmt(LISTED_KEYS)} keys: ${growth.toFixed(1)} MB — ${flat ? 'met' : 'NOT met'} (bound 16 MB).`,
  ].join('\n');
  return { title: 'Replay: enqueue rate and listing memory', markdown };
}

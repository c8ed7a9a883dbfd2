import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Command, Option } from 'commander';
import {
  createReplayHandler,
  isInputFailure,
  type ReplayResult,
} from '../../../lambdas/replay/create-handler.js';
import type { ReplayRequest } from '../../../lambdas/replay/request.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { MappingValidationError } from '../../../lambdas/shared/mappings/validate.js';
import { buildRoutingTable, type RoutingTable } from '../../../lambdas/shared/routing.js';
import { LOCAL_CREDENTIALS, localNames } from '../../../local/aws/names.js';
import { UserError, usageError } from '../../errors.js';
import { describeFailure, failedStep } from '../../failure.js';
import { output, processOutput } from '../../io.js';
import { requireLocalEnvironment } from '../../local-environment.js';
import { stageStackOutput } from '../../stack-outputs.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';

interface ReplayOptions {
  source: string;
  table?: string;
  from?: string;
  to?: string;
  includeFullLoad?: boolean;
  force?: boolean;
  dryRun?: boolean;
  functionName?: string;
  stage?: string;
  region?: string;
  local?: boolean;
  endpoint?: string;
  bucket: string;
  queueUrl?: string;
  mappings: string;
  json?: boolean;
}

/** One invocation of the replay function, deployed or in-process. */
type Invoke = (request: ReplayRequest) => Promise<ReplayResult>;

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'Re-send landed DMS files through the loader. Safe to repeat: loaded files are skipped unless --force.',
    )
    .requiredOption('--source <id>', 'source id (mapping file name)')
    .option('--table <schema.table>', 'one table; default: every mapped table of the source')
    .option('--from <time>', 'ISO-8601 UTC, inclusive; compared with the write time in the CDC file name')
    .option('--to <time>', 'ISO-8601 UTC, exclusive')
    .option('--include-full-load', 'also the LOAD files at the table root (they have no time; all of them)')
    .option('--force', 'load again files that were loaded before: only after truncating/recreating the table')
    .option('--dry-run', 'count what would be replayed, enqueue nothing')
    .addOption(
      new Option('--function-name <name>', 'deployed replay function (stack output ReplayFunctionName)').env(
        'DMS2BQ_REPLAY_FUNCTION',
      ),
    )
    .option(
      '--stage <name>',
      'deployed stage: the function is the stack output ReplayFunctionName of Dms2Bq-<name>',
    )
    .option('--region <region>', 'AWS region of the deployed function (default: the SDK default chain)')
    .option('--local', 'run the replay code in-process against the local runtime instead')
    .option(
      '--endpoint <url>',
      'with --local: the local S3/SQS endpoint (default: the one dms2bq local up runs)',
    )
    .option('--bucket <name>', 'with --local: the landing bucket', localNames.landingBucket)
    .option(
      '--queue-url <url>',
      `with --local: the loader queue (default: queue ${localNames.loaderQueue} at --endpoint)`,
    )
    .option('--mappings <dir>', 'with --local: mapping files for the routing table', DEFAULT_MAPPINGS_DIR)
    .option('--json', 'print the totals as JSON')
    .action(async (options: ReplayOptions) => {
      const request: ReplayRequest = {
        source: options.source,
        ...(options.table ? { table: options.table } : {}),
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        ...(options.includeFullLoad ? { includeFullLoad: true } : {}),
        ...(options.force ? { force: true } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
      };
      const invoke = options.local ? await localInvoker(options) : await lambdaInvoker(options);
      const totals = await followTokens(request, invoke);
      output().out(options.json ? `${JSON.stringify(totals)}\n` : replaySummary(options, totals));
    });
}

/**
 * What a replay did, and what it left out and why: a dry run enqueues nothing, the LOAD files need
 * --include-full-load, a window leaves the CDC files outside it, and the loader skips files it
 * loaded before unless --force.
 */
export function replaySummary(
  options: Pick<ReplayOptions, 'source' | 'table' | 'from' | 'to' | 'includeFullLoad' | 'force' | 'dryRun'>,
  totals: { listed: number; matched: number; enqueued: number; invocations: number },
): string {
  const what = `${options.source}${options.table ? ` ${options.table}` : ''}`;
  const kinds = options.includeFullLoad ? 'CDC and LOAD file(s)' : 'CDC file(s)';
  const head = options.dryRun
    ? `would replay ${what}: ${totals.matched} ${kinds} (of ${totals.listed} listed); dry run, nothing enqueued`
    : `replayed ${what}: enqueued ${totals.enqueued} of ${totals.matched} ${kinds} (of ${totals.listed} listed)`;
  const skipped = [
    ...(options.includeFullLoad
      ? []
      : ['LOAD files (the full load): pass --include-full-load to replay them too']),
    ...(options.from || options.to ? ['CDC files written outside --from/--to'] : []),
    ...(options.force
      ? []
      : [
          'the loader skips files it loaded before (their job IDs exist): --force only after truncating the table',
        ]),
  ];
  return `${head} in ${totals.invocations} invocation(s)\n${skipped.map((line) => `  skipped: ${line}\n`).join('')}`;
}

/** Invokes until the function returns no continuation token; a progress line on stderr. */
async function followTokens(request: ReplayRequest, invoke: Invoke) {
  const totals = { listed: 0, matched: 0, enqueued: 0, invocations: 0 };
  const tty = output() === processOutput && process.stderr.isTTY === true;
  let token: string | undefined;
  do {
    const result = await invoke(token ? { ...request, continuationToken: token } : request);
    if (isInputFailure(result))
      throw usageError(`replay rejected --${kebab(result.field)}: ${result.message}`);
    if (token !== undefined && result.continuationToken === token) {
      throw new UserError(
        `the replay function made no progress from continuation token ${token}; check its logs`,
      );
    }
    totals.listed += result.listed;
    totals.matched += result.matched;
    totals.enqueued += result.enqueued;
    totals.invocations++;
    token = result.continuationToken;
    const line = `replay: ${totals.invocations} invocation(s), listed ${totals.listed}, matched ${totals.matched}, enqueued ${totals.enqueued}${token ? ', continuing…' : ''}`;
    output().err(tty ? `\r${line}\u001b[K${token ? '' : '\n'}` : `${line}\n`);
  } while (token);
  return totals;
}

const kebab = (field: string): string => field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

async function lambdaInvoker(options: ReplayOptions): Promise<Invoke> {
  let functionName = options.functionName;
  let region = options.region;
  if (!functionName && options.stage) {
    ({ value: functionName, region } = await stageStackOutput(options.stage, 'ReplayFunctionName', region));
  }
  if (!functionName) {
    throw new UserError(
      'pass --stage <name>, --function-name <name> (the stack output ReplayFunctionName; or set DMS2BQ_REPLAY_FUNCTION), or --local',
      2,
    );
  }
  const lambda = new LambdaClient(region ? { region } : {});
  return async (request) => {
    const response = await lambda
      .send(
        new InvokeCommand({
          FunctionName: functionName,
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      )
      .catch((error: unknown) => {
        throw failedStep(`cannot invoke ${functionName}`, error);
      });
    const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
    if (response.FunctionError) {
      const failure = parseJson(text) as { errorType?: string; errorMessage?: string } | undefined;
      throw new UserError(
        `replay function ${functionName} failed: ${failure?.errorType ?? response.FunctionError}: ${failure?.errorMessage ?? text}`,
      );
    }
    const result = parseJson(text) as ReplayResult | undefined;
    if (!result || typeof result !== 'object')
      throw new UserError(`${functionName} returned ${text}, not a replay result`);
    return result;
  };
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Local invocations get a few seconds each, so the local replay also walks its continuation tokens. */
const LOCAL_INVOCATION_MS = 5_000;

async function localInvoker(options: ReplayOptions): Promise<Invoke> {
  // Without --endpoint, the environment `dms2bq local up` runs: its endpoint, queue and region.
  const environment = options.endpoint
    ? undefined
    : await requireLocalEnvironment('pass --endpoint <url> of a running local S3/SQS');
  const endpoint = options.endpoint ?? environment?.awsEndpoint ?? '';
  const config = {
    endpoint,
    region: options.region ?? environment?.region ?? 'us-east-1',
    credentials: { ...LOCAL_CREDENTIALS },
  };
  const sqs = new SQSClient(config);
  const queueUrl =
    options.queueUrl ??
    environment?.queueUrl ??
    (await sqs.send(new GetQueueUrlCommand({ QueueName: localNames.loaderQueue })).then(
      (response) => response.QueueUrl,
      (error: unknown) => {
        throw usageError(
          `no queue ${localNames.loaderQueue} at ${endpoint} (${describeFailure(error).line}); pass --queue-url`,
        );
      },
    ));
  const handler = createReplayHandler({
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sqs,
    bucket: options.bucket,
    queueUrl: queueUrl as string,
    routing: await loadRouting(options.mappings),
    reserveMs: 1_000,
  });
  return (request) => {
    const started = Date.now();
    return handler(request, { getRemainingTimeInMillis: () => LOCAL_INVOCATION_MS - (Date.now() - started) });
  };
}

/** The routing table the deployed functions are bundled with, built from the mapping files. */
export async function loadRouting(dir: string): Promise<RoutingTable> {
  const files = await loadMappingDir(dir).catch((error: unknown) => {
    if (error instanceof MappingValidationError) {
      throw new UserError(`the mappings in ${dir} are invalid; run dms2bq validate --mappings ${dir}`);
    }
    throw error;
  });
  return buildRoutingTable(files.map((file) => file.mapping));
}

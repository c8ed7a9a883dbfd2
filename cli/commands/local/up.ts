import { mkdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { FileOutcomeEvent } from '../../../lambdas/loader/create-handler.js';
import { loadMappingDir } from '../../../lambdas/shared/mappings/load.js';
import { viewsInPlace } from '../../../lambdas/shared/warehouse/apply.js';
import {
  LOCAL_LOCATION,
  LOCAL_PROJECT_ID,
  type LocalPipeline,
  localSchemaPropagationSeconds,
  startLocalPipeline,
} from '../../../local/pipeline/local-pipeline.js';
import { UserError, usageError } from '../../errors.js';
import { describeFailure } from '../../failure.js';
import { output } from '../../io.js';
import {
  findLocalEnvironment,
  type LocalEnvironment,
  localStateFile,
  removeLocalEnvironment,
  writeLocalEnvironment,
} from '../../local-environment.js';
import { DEFAULT_TRUTH } from '../../operate/target.js';
import { DEFAULT_MAPPINGS_DIR } from '../mappings/validate.js';
import { describeHoldings } from './timeline.js';
import { DEFAULT_WAREHOUSE } from './warehouse-file.js';

interface UpOptions {
  mappings: string;
  warehouse: string;
  awsPort: string;
  bigqueryPort: string;
  fresh?: boolean;
}

const port = (value: string, flag: string): number => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535)
    throw new UserError(`${flag} must be a port from 0 to 65535, got "${value}"`, 2);
  return parsed;
};

/** `dms2bq local up`: the local pipeline as a service, until Ctrl-C. */
export function registerLocalUpCommand(local: Command): void {
  local
    .command('up')
    .description(
      'Start local S3/SQS, the BigQuery emulator and the loader polling its queue, until Ctrl-C; other terminals use it with --local.',
    )
    .option('--mappings <dir>', 'directory of mapping files', DEFAULT_MAPPINGS_DIR)
    .option('--warehouse <file>', 'DuckDB file of the local BigQuery', DEFAULT_WAREHOUSE)
    .option('--aws-port <port>', 'port of the S3/SQS endpoint (0 picks a free one)', '4566')
    .option('--bigquery-port <port>', 'port of the BigQuery emulator (0 picks a free one)', '9050')
    .option(
      '--fresh',
      'start from an empty warehouse: delete --warehouse and the ground truth of earlier runs first',
    )
    .action(async (options: UpOptions) => {
      const awsPort = port(options.awsPort, '--aws-port');
      const bigqueryPort = port(options.bigqueryPort, '--bigquery-port');
      const running = await findLocalEnvironment();
      if (running) {
        throw usageError(
          `a local environment already runs (PID ${running.pid}, S3/SQS ${running.awsEndpoint}); use it, or stop it with Ctrl-C first`,
        );
      }
      const mappings = await loadMappingDir(options.mappings);
      const warehousePath = resolve(options.warehouse);
      await mkdir(dirname(warehousePath), { recursive: true });
      if (options.fresh) {
        // The truth describes the warehouse it was loaded into: both go, or neither.
        await rm(warehousePath, { force: true });
        await rm(`${warehousePath}.wal`, { force: true });
        await rm(DEFAULT_TRUTH, { force: true });
      }
      await mkdir(dirname(localStateFile()), { recursive: true });
      const pipeline = await startLocalPipeline({
        mappings,
        warehousePath,
        awsPort,
        bigqueryPort,
        // BigQuery's delay before the Storage Write API takes a new column (ADR 0044).
        schemaPropagationSeconds: localSchemaPropagationSeconds(),
      }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw usageError(
            `a port is taken (${(error as Error).message}); pass --aws-port 0 --bigquery-port 0 for free ones`,
          );
        }
        throw error;
      });
      let stateFile: string | undefined;
      try {
        await pipeline.applyWarehouse();
        const holdings = await describeHoldings(
          pipeline.bigquery,
          LOCAL_PROJECT_ID,
          Object.values(pipeline.routing),
          new Date(),
        );
        const environment = describe(pipeline, warehousePath, resolve(options.mappings));
        stateFile = await writeLocalEnvironment(environment);
        output().out(banner(environment, stateFile, holdings));
        const activity = watchActivity(pipeline);
        await untilSignal();
        activity.stop();
        output().out('stopping…\n');
      } finally {
        if (stateFile) await removeLocalEnvironment();
        await pipeline.stop();
      }
    });
}

function describe(pipeline: LocalPipeline, warehousePath: string, mappingsDir: string): LocalEnvironment {
  return {
    awsEndpoint: pipeline.aws.endpoint,
    region: pipeline.aws.region,
    // Copied field by field: SDK clients add bookkeeping ($source) to the object they were given.
    credentials: {
      accessKeyId: pipeline.aws.credentials.accessKeyId,
      secretAccessKey: pipeline.aws.credentials.secretAccessKey,
    },
    bigqueryEndpoint: pipeline.emulator.url,
    ...(pipeline.emulator.storageWrite
      ? {
          storageWriteEndpoint: `${pipeline.emulator.storageWrite.host}:${pipeline.emulator.storageWrite.port}`,
        }
      : {}),
    projectId: LOCAL_PROJECT_ID,
    location: LOCAL_LOCATION,
    bucket: pipeline.aws.bucket,
    queueUrl: pipeline.aws.queueUrl,
    dlqUrl: pipeline.aws.dlqUrl,
    warehousePath,
    mappingsDir,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
}

function banner(environment: LocalEnvironment, stateFile: string, holdings: string): string {
  return [
    'local environment up:',
    `  S3 + SQS (fauxqs)   ${environment.awsEndpoint}   bucket ${environment.bucket}`,
    `  loader queue        ${environment.queueUrl}`,
    `  dead-letter queue   ${environment.dlqUrl}`,
    `  BigQuery emulator   ${environment.bigqueryEndpoint}   project ${environment.projectId}`,
    ...(environment.storageWriteEndpoint
      ? [`  Storage Write API   ${environment.storageWriteEndpoint}   (gRPC, _current CDC tables)`]
      : []),
    `  warehouse           ${environment.warehousePath}`,
    `  state file          ${stateFile} (read by --local commands)`,
    holdings,
    'In another terminal:',
    '  npx dms2bq simulate --out s3 --minutes 5 --changes-per-minute 1000',
    '  npx dms2bq local query "SELECT COUNT(*) AS n FROM casino_a_cdc.bets_current"',
    '  npx dms2bq replay --local --source casino_a --dry-run',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}

/**
 * One line per burst of loader activity, and `warehouse apply` after a table's first load: the
 * `_current` view needs the changelog table, which only the first load creates.
 */
function watchActivity(pipeline: LocalPipeline): { stop(): void } {
  const counts = { loaded: 0, rows: 0, duplicates: 0, failedAttempts: 0 };
  let dirty = false;
  let applyNeeded = false;
  let applying = false;
  const ready = new Set<string>();
  pipeline.outcomes.onEvent((event: FileOutcomeEvent) => {
    dirty = true;
    if (event.status === 'loaded') {
      counts.loaded++;
      counts.rows += event.rows ?? 0;
      applyNeeded = true;
    } else if (event.status === 'duplicate') counts.duplicates++;
    else {
      counts.failedAttempts++;
      output().err(`failed attempt: ${event.key}: ${event.reason ?? 'unknown'}\n`);
    }
  });
  const timer = setInterval(async () => {
    if (!dirty) return;
    dirty = false;
    output().out(
      `loaded files: ${counts.loaded} · changelog rows loaded: ${counts.rows} · duplicate deliveries skipped: ${counts.duplicates} · failed attempts: ${counts.failedAttempts}\n`,
    );
    if (!applyNeeded || applying) return;
    applyNeeded = false;
    applying = true;
    await pipeline
      .applyWarehouse()
      .then(
        (result) => {
          for (const view of viewsInPlace(result).filter((name) => !ready.has(name))) {
            ready.add(view);
            output().out(`view ready: ${view}\n`);
          }
        },
        (error: unknown) => output().err(`warehouse apply failed: ${describeFailure(error).line}\n`),
      )
      .finally(() => {
        applying = false;
      });
  }, 1_000);
  return { stop: () => clearInterval(timer) };
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

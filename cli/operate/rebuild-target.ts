import type { BigQuery } from '@google-cloud/bigquery';
import { currentViewName } from '../../lambdas/shared/mappings/bigquery-names.js';
import { loadMappingDir } from '../../lambdas/shared/mappings/load.js';
import { MappingValidationError } from '../../lambdas/shared/mappings/validate.js';
import { buildRoutingTable, type Route } from '../../lambdas/shared/routing.js';
import { LOCAL_LOCATION, LOCAL_PROJECT_ID } from '../../local/pipeline/local-pipeline.js';
import { operatorBigQuery, stageGcp } from '../bigquery.js';
import { UserError, usageError } from '../errors.js';
import { findLocalEnvironment, localStateFile } from '../local-environment.js';
import { assertReachable } from '../reachable.js';

export interface RebuildTargetOptions {
  table: string;
  mappings?: string;
  stage?: string;
  project?: string;
  location?: string;
  endpoint?: string;
  storageWriteEndpoint?: string;
  local?: boolean;
}

/** Where a rebuild reads and writes: BigQuery REST for the changelog, the Storage Write API for the table. */
export interface RebuildConnection {
  bigquery: BigQuery;
  location: string;
  /** What `managedwriter.WriterClient` takes: the emulator's gRPC port, or Google with ADC. */
  writerOptions: Record<string, unknown>;
  mappingsDir: string;
  /** Fails now, in one line, when Google credentials are missing; nothing to do for an emulator. */
  authorize(): Promise<void>;
}

export const DEFAULT_REBUILD_MAPPINGS_DIR = 'mappings';

/**
 * The route of `--table`: `<dataset>.<table>` as BigQuery names it (the changelog or its
 * `_current`), or `<source>.<schema>.<table>` as the mapping names the source table.
 */
export async function resolveRebuildRoute(table: string, mappingsDir: string): Promise<Route> {
  const files = await loadMappingDir(mappingsDir).catch((error: unknown) => {
    if (!(error instanceof MappingValidationError)) throw error;
    throw new UserError(
      `the mappings in ${mappingsDir} are invalid; run dms2bq validate --mappings ${mappingsDir}`,
    );
  });
  const routes = Object.values(buildRoutingTable(files.map((file) => file.mapping)));
  const parts = table.split('.');
  const matches = (route: Route): boolean =>
    parts.length === 3
      ? route.source === parts[0] && route.schema === parts[1] && route.table === parts[2]
      : parts.length === 2 &&
        route.dataset === parts[0] &&
        (route.targetTable === parts[1] || currentViewName(route.targetTable) === parts[1]);
  if (parts.length < 2 || parts.length > 3) {
    throw new UserError(
      `--table ${table}: expected <dataset>.<table> (e.g. casino_a_cdc.players) or <source>.<schema>.<table> (e.g. casino_a.game.users)`,
      2,
    );
  }
  const route = routes.find(matches);
  if (route === undefined) {
    throw usageError(
      `--table ${table}: no mapping in ${mappingsDir} routes a table there; add it to mappings/<source>.json, or pass --mappings <dir>`,
    );
  }
  if (route.current !== 'table') {
    throw usageError(
      `--table ${table}: ${route.dataset}.${currentViewName(route.targetTable)} is a view (bigquery.current "view"), which has nothing to rebuild; set "current": "table" in mappings/${route.source}.json and run dms2bq warehouse apply to make it a CDC table`,
    );
  }
  return route;
}

/** `--local`, `--endpoint` (an emulator) or `--stage`/`--project` (Google, Application Default Credentials). */
export async function rebuildConnection(options: RebuildTargetOptions): Promise<RebuildConnection> {
  const modes = [options.local && '--local', options.endpoint && '--endpoint', options.stage && '--stage'];
  if (modes.filter(Boolean).length > 1) {
    throw new UserError(`pass one of ${modes.filter(Boolean).join(', ')}, not several`, 2);
  }
  if (options.local) return localConnection(options);
  if (options.endpoint) {
    if (!options.storageWriteEndpoint) {
      throw new UserError(
        "--endpoint needs --storage-write-endpoint <host:port>, the emulator's Storage Write API",
        2,
      );
    }
    await assertReachable(options.endpoint, '--endpoint');
    return emulatorConnection(
      options.project ?? LOCAL_PROJECT_ID,
      options.location ?? LOCAL_LOCATION,
      options.endpoint,
      options.storageWriteEndpoint,
      options.mappings ?? DEFAULT_REBUILD_MAPPINGS_DIR,
    );
  }
  const stage = options.stage ? stageGcp(options.stage) : undefined;
  const projectId = options.project ?? stage?.projectId;
  if (!projectId) {
    throw new UserError(
      'pass --stage <name> (or --project <id>), --endpoint <url> of an emulator, or --local',
      2,
    );
  }
  const location = options.location ?? stage?.location ?? 'US';
  const bigquery = operatorBigQuery(projectId, location);
  return {
    bigquery,
    location,
    writerOptions: { projectId },
    mappingsDir: options.mappings ?? DEFAULT_REBUILD_MAPPINGS_DIR,
    // Without credentials the client would still send requests; ask for them first so their absence is what is read.
    authorize: async () => {
      await bigquery.authClient.getClient();
    },
  };
}

async function localConnection(options: RebuildTargetOptions): Promise<RebuildConnection> {
  const environment = await findLocalEnvironment();
  if (!environment) {
    throw new UserError(
      `--local needs a running local environment: start dms2bq local up in another terminal (it writes ${localStateFile()})`,
      2,
    );
  }
  if (!environment.storageWriteEndpoint) {
    throw usageError(
      `the local environment in ${localStateFile()} serves no Storage Write API; restart dms2bq local up (a version that starts it)`,
    );
  }
  return emulatorConnection(
    environment.projectId,
    environment.location,
    environment.bigqueryEndpoint,
    environment.storageWriteEndpoint,
    options.mappings ?? environment.mappingsDir,
  );
}

async function emulatorConnection(
  projectId: string,
  location: string,
  endpoint: string,
  storageWrite: string,
  mappingsDir: string,
): Promise<RebuildConnection> {
  return {
    bigquery: operatorBigQuery(projectId, location, endpoint),
    location,
    writerOptions: await emulatorWriterOptions(projectId, storageWrite),
    mappingsDir,
    authorize: async () => undefined,
  };
}

/** `managedwriter.WriterClient` options for an emulator's Storage Write API at `<host>:<port>`. */
export async function emulatorWriterOptions(
  projectId: string,
  storageWrite: string,
): Promise<Record<string, unknown>> {
  const separator = storageWrite.lastIndexOf(':');
  const port = Number(storageWrite.slice(separator + 1));
  if (separator <= 0 || !Number.isInteger(port) || port <= 0) {
    throw new UserError(`Storage Write endpoint "${storageWrite}": expected <host>:<port>`, 2);
  }
  // Loaded here: only emulator connections need grpc-js's insecure channel credentials.
  const grpc = await import('@grpc/grpc-js');
  return {
    projectId,
    apiEndpoint: storageWrite.slice(0, separator),
    port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  };
}

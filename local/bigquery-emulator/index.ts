import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelCredentials } from '@grpc/grpc-js';
import type { PassThroughClient } from 'google-auth-library';
import { clockOffsetFromEnv, EmulatorClock, schemaPropagationFromEnv } from './clock.js';
import { FaultInjector } from './faults.js';
import { addAdminRoutes } from './http/admin-routes.js';
import { addCatalogRoutes } from './http/catalog-routes.js';
import type { Services } from './http/context.js';
import { addIamRoutes } from './http/iam-routes.js';
import { addJobRoutes } from './http/job-routes.js';
import { addResumableRoutes } from './http/resumable.js';
import { Router } from './http/router.js';
import { createEmulatorServer, listen } from './http/server.js';
import { JobRunner } from './jobs/runner.js';
import { QueryRunner } from './query/execute.js';
import type { StorageWriteStats } from './storage-write/server.js';
import { Catalog } from './store/catalog.js';
import { JobStore, normalizeLocation } from './store/jobs.js';
import { MetadataStore } from './store/metadata.js';
import { SchemaHistory } from './store/schema-history.js';
import { Warehouse } from './store/warehouse.js';

export type {
  AppendRowsFaultRule,
  CountedRule,
  FailRule,
  RandomRule,
  RequestMatcher,
  SlowRule,
} from './faults.js';
export { FaultInjector } from './faults.js';

export interface BigQueryEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** DuckDB file; in-memory when omitted. */
  dbPath?: string;
  /** The one project the emulator serves (default 'local-project'). */
  projectId?: string;
  /** Default location of datasets and jobs (default 'US'). */
  location?: string;
  /** Minimum time a job spends in PENDING and in RUNNING (default 50 ms). */
  jobStateDelayMs?: number;
  /** DuckDB memory_limit (default '512MB'); loads larger than this spill to disk. */
  memoryLimit?: string;
  /** Where uploads are spooled (default a fresh directory under the OS temp dir). */
  uploadDir?: string;
  /** Also serve the Storage Write API over gRPC on a free port (default false). */
  storageWrite?: boolean;
  /**
   * The emulator's clock (docs/bigquery-emulator.md, "Time"). Default: the machine's time shifted by
   * `BIGQUERY_EMULATOR_CLOCK_OFFSET` seconds.
   */
  clock?: EmulatorClock;
  /**
   * Seconds after a schema change (columns added, a table created again under a dropped name) during
   * which the Storage Write API refuses appends that depend on it (ADR 0028). Default:
   * `BIGQUERY_EMULATOR_SCHEMA_PROPAGATION_SECONDS`, else 0.
   */
  schemaPropagationSeconds?: number;
}

/** Where the emulated Storage Write API listens, and what `WriterClient` needs to reach it. */
export interface StorageWriteEndpoint {
  host: string;
  port: number;
  /** Connections and requests the server has seen, for tests. */
  stats: StorageWriteStats;
  /**
   * Options for `new managedwriter.WriterClient(...)`: gax dials `apiEndpoint:port` and, given
   * `sslCreds`, uses them instead of TLS plus Google credentials (no token is fetched). gax still
   * asks google-auth-library for the universe domain, which without credentials probes the GCE
   * metadata server: stating `universeDomain` answers it locally.
   */
  clientOptions: {
    projectId: string;
    apiEndpoint: string;
    port: number;
    sslCreds: ChannelCredentials;
    universeDomain: string;
  };
}

export interface BigQueryEmulator {
  /** Base URL to give the client as `apiEndpoint`. */
  url: string;
  projectId: string;
  location: string;
  faults: FaultInjector;
  /** The clock every time rule reads; `clock.advance(seconds)` moves it. */
  clock: EmulatorClock;
  /**
   * Options for `new BigQuery(...)`: the client authenticates every request before sending it, even
   * to a custom apiEndpoint, and without credentials it probes the GCE metadata server. The
   * PassThroughClient sends requests unauthenticated, which the emulator accepts.
   */
  clientOptions: { projectId: string; apiEndpoint: string; authClient: PassThroughClient };
  /** Present when started with `storageWrite: true`. */
  storageWrite?: StorageWriteEndpoint;
  /** Runs DuckDB SQL against the warehouse directly (datasets are schemas), for tests. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Waits for running jobs, closes the server and the database. */
  stop(): Promise<void>;
}

/** Starts the BigQuery emulator: an HTTP server speaking the REST subset in docs/bigquery-emulator.md. */
export async function startBigQueryEmulator(
  options: BigQueryEmulatorOptions = {},
): Promise<BigQueryEmulator> {
  const projectId = options.projectId ?? 'local-project';
  const clock = options.clock ?? new EmulatorClock(clockOffsetFromEnv());
  const schemaPropagationSeconds = options.schemaPropagationSeconds ?? schemaPropagationFromEnv();
  if (!(schemaPropagationSeconds >= 0 && Number.isFinite(schemaPropagationSeconds))) {
    throw new RangeError(
      `schemaPropagationSeconds must be a number of seconds >= 0, got ${schemaPropagationSeconds}`,
    );
  }
  const location = normalizeLocation(options.location ?? 'US');
  const ownUploadDir = options.uploadDir === undefined;
  const uploadDir = options.uploadDir ?? (await mkdtemp(join(tmpdir(), 'bq-emulator-uploads-')));
  const warehouse = await Warehouse.open(options.dbPath, options.memoryLimit ?? '512MB', clock);
  const metadata = new MetadataStore(warehouse);
  await metadata.init();
  const catalog = new Catalog(warehouse, metadata, projectId, location, clock);
  await catalog.init();
  const history = new SchemaHistory(clock);
  await warehouse.exclusive(SchemaHistory.init);
  catalog.onTableSaved(history.saved);
  catalog.onTableDropped(history.dropped);
  const jobs = new JobStore(metadata, location, clock);
  await jobs.init();
  const queries = new QueryRunner(warehouse, catalog);
  // Views saved in a database file call the GoogleSQL macros; they must exist before any view is read.
  await queries.ready();
  if (catalog.addedPseudoColumns) await queries.redefineViews();
  const runner = new JobRunner(jobs, warehouse, catalog, queries, options.jobStateDelayMs ?? 50, clock);
  const faults = new FaultInjector();
  const services: Services = {
    projectId,
    location,
    warehouse,
    catalog,
    jobs,
    runner,
    queries,
    faults,
    uploadDir,
    clock,
  };

  const api = new Router();
  addCatalogRoutes(api, services);
  addJobRoutes(api, services);
  addResumableRoutes(api, services);
  const admin = new Router();
  addAdminRoutes(admin, faults, clock);
  addIamRoutes(api, admin, services);
  const server = createEmulatorServer(api, admin, faults);
  const host = options.host ?? '127.0.0.1';
  const url = await listen(server, options.port ?? 0, host);
  // Loaded only when asked for: grpc-js is not needed by emulators that serve REST alone.
  const storageWrite = options.storageWrite
    ? await (await import('./storage-write/server.js')).startStorageWriteServer(
        catalog,
        warehouse,
        host,
        {
          clock,
          history,
          delayMs: schemaPropagationSeconds * 1000,
        },
        faults,
      )
    : undefined;

  let stopped: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections of clients that are done would hold close() open.
    server.closeIdleConnections();
    await closed;
    await storageWrite?.stop();
    await runner.idle();
    await metadata.flush();
    warehouse.close();
    if (ownUploadDir) await rm(uploadDir, { recursive: true, force: true });
  };
  return {
    url,
    projectId,
    location,
    faults,
    clock,
    get clientOptions() {
      // Loaded on first use: an emulator process that serves other processes never needs it.
      const auth = createRequire(import.meta.url)(
        'google-auth-library',
      ) as typeof import('google-auth-library');
      return { projectId, apiEndpoint: url, authClient: new auth.PassThroughClient() };
    },
    ...(storageWrite
      ? {
          storageWrite: {
            host: storageWrite.host,
            port: storageWrite.port,
            stats: storageWrite.stats,
            get clientOptions() {
              const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
              return {
                projectId,
                apiEndpoint: storageWrite.host,
                port: storageWrite.port,
                sslCreds: grpc.credentials.createInsecure(),
                universeDomain: 'googleapis.com',
              };
            },
          },
        }
      : {}),
    query: (sql) => warehouse.rows(sql),
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}

import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import { startBigQueryEmulator } from '../../local/bigquery-emulator/index.js';
import { LOCAL_LOCATION, LOCAL_PROJECT_ID } from '../../local/pipeline/local-pipeline.js';
import { operatorBigQuery, stageGcp } from '../bigquery.js';
import { UserError } from '../errors.js';
import { findLocalEnvironment, requireLocalEnvironment } from '../local-environment.js';
import { assertReachable } from '../reachable.js';

export interface WarehouseOptions {
  stage?: string;
  local?: boolean;
  warehouse?: string;
  bigqueryEndpoint?: string;
  mappings?: string;
}

export interface DiffWarehouse {
  bigquery: BigQuery;
  location: string;
  mappingsDir: string;
  /** Stops the short-lived emulator of `--warehouse`; nothing otherwise. */
  close(): Promise<void>;
}

export const DEFAULT_DIFF_MAPPINGS_DIR = 'mappings';

/**
 * The BigQuery side of `diff`: a stage's project (Application Default Credentials), the running
 * `local up`, an emulator endpoint, or a local warehouse file (through the emulator `local up`
 * serves it with, or a short-lived one on the file: DuckDB lets one process hold it).
 */
export async function diffWarehouse(options: WarehouseOptions): Promise<DiffWarehouse> {
  const modes = [
    options.stage && '--stage',
    options.local && '--local',
    options.warehouse && '--warehouse',
    options.bigqueryEndpoint && '--bigquery-endpoint',
  ].filter(Boolean);
  if (modes.length !== 1) {
    throw new UserError(
      modes.length === 0
        ? 'pass where _current is: --stage <name>, --local, --warehouse <file> or --bigquery-endpoint <url>'
        : `pass one of ${modes.join(', ')}, not several`,
      2,
    );
  }
  const mappingsDir = options.mappings ?? DEFAULT_DIFF_MAPPINGS_DIR;
  const none = async () => undefined;
  if (options.stage) {
    const { projectId, location } = stageGcp(options.stage);
    return { bigquery: operatorBigQuery(projectId, location), location, mappingsDir, close: none };
  }
  if (options.local) {
    const environment = await requireLocalEnvironment('pass --warehouse <file>');
    return {
      bigquery: operatorBigQuery(environment.projectId, environment.location, environment.bigqueryEndpoint),
      location: environment.location,
      mappingsDir: options.mappings ?? environment.mappingsDir,
      close: none,
    };
  }
  if (options.bigqueryEndpoint) {
    await assertReachable(options.bigqueryEndpoint, '--bigquery-endpoint');
    return {
      bigquery: operatorBigQuery(LOCAL_PROJECT_ID, LOCAL_LOCATION, options.bigqueryEndpoint),
      location: LOCAL_LOCATION,
      mappingsDir,
      close: none,
    };
  }
  const file = options.warehouse as string;
  const environment = await findLocalEnvironment();
  if (environment?.warehousePath === resolve(file)) {
    return {
      bigquery: operatorBigQuery(environment.projectId, environment.location, environment.bigqueryEndpoint),
      location: environment.location,
      mappingsDir: options.mappings ?? environment.mappingsDir,
      close: none,
    };
  }
  const exists = await stat(file).then(
    () => true,
    () => false,
  );
  if (!exists) {
    throw new UserError(
      `--warehouse ${file}: no such file; run npm start, dms2bq local load or dms2bq local up first`,
      2,
    );
  }
  const emulator = await startBigQueryEmulator({ port: 0, dbPath: file, projectId: LOCAL_PROJECT_ID });
  return {
    bigquery: operatorBigQuery(LOCAL_PROJECT_ID, LOCAL_LOCATION, emulator.url),
    location: LOCAL_LOCATION,
    mappingsDir,
    close: () => emulator.stop(),
  };
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadStageConfig, StageConfigError } from '../../../infra/config.js';
import { cdcMaxBatchInterval, type SourceMapping } from '../../../lambdas/shared/mappings/model.js';
import {
  type ProjectDeployment,
  type ProjectLoadJobBudget,
  projectLoadJobBudget,
} from '../../../lambdas/shared/quota.js';
import { usageError } from '../../errors.js';

/** Every stage deploys every mapping file (infra/app.ts), so a deployment is the whole directory. */
function deploymentOf(name: string, mappings: readonly SourceMapping[]): ProjectDeployment {
  return {
    name,
    sources: mappings.map((mapping) => ({
      source: mapping.source,
      tables: mapping.tables.length,
      intervalSeconds: cdcMaxBatchInterval(mapping),
    })),
  };
}

/** The `gcp.projectId` of a stage config, or undefined when the file does not say (it is not ours to judge). */
async function projectOf(file: string): Promise<string | undefined> {
  try {
    const document = JSON.parse(await readFile(file, 'utf8')) as { gcp?: { projectId?: unknown } };
    return typeof document.gcp?.projectId === 'string' ? document.gcp.projectId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The worst-case load jobs of one GCP project. With a stage: every stage in `configDir` whose config
 * names the same project deploys all mappings there, so each counts. Without: one deployment of all
 * mappings, the least any stage puts into its project.
 */
export async function projectBudget(
  mappings: readonly SourceMapping[],
  options: { stage?: string; configDir: string },
): Promise<ProjectLoadJobBudget> {
  if (!options.stage) {
    return projectLoadJobBudget(undefined, [deploymentOf('all mappings', mappings)]);
  }
  let project: string;
  try {
    project = loadStageConfig(options.stage, options.configDir).gcp.projectId;
  } catch (error) {
    if (error instanceof StageConfigError) throw usageError(error.message);
    throw error;
  }
  const names = (await readdir(options.configDir))
    .filter((name) => name.endsWith('.json'))
    .map((name) => name.slice(0, -'.json'.length))
    .sort();
  const sharing: string[] = [];
  for (const name of names) {
    if (name === options.stage || (await projectOf(join(options.configDir, `${name}.json`))) === project) {
      sharing.push(name);
    }
  }
  return projectLoadJobBudget(
    project,
    sharing.map((stage) => deploymentOf(`stage ${stage}`, mappings)),
  );
}

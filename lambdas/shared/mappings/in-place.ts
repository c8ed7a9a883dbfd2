import type { MappingFile } from './model.js';
import { type Problem, pointer } from './problem.js';

/**
 * Changes between the deployed mappings (`base`, e.g. main's mappings/) and these that DMS cannot
 * apply to a running replication task (ADR 0014). The source engine decides the task's source
 * endpoint, and DMS: "You can't modify the source or target endpoint of a task." The deploy would
 * refuse it too, before touching DMS; this says so at review time.
 */
export function changesDmsCannotApply(base: MappingFile[], files: MappingFile[]): Problem[] {
  const deployed = new Map(base.map(({ mapping }) => [mapping.source, mapping]));
  return files.flatMap(({ file, mapping }) => {
    const before = deployed.get(mapping.source);
    if (!before || before.engine === mapping.engine) return [];
    return [
      {
        file,
        path: pointer('engine'),
        message: `changed from ${before.engine} to ${mapping.engine}, which a running DMS task cannot take (its source endpoint would change): remove ${mapping.source}'s mapping file and deploy, then add it back with the new engine (a new task and full load; BigQuery data kept)`,
      },
    ];
  });
}

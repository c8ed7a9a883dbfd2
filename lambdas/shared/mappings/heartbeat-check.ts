import { heartbeatTable } from '../heartbeat.js';
import type { MappingFile } from './model.js';
import { type Problem, pointer } from './problem.js';

/** The heartbeat must be a replicated table: DMS only captures, and the loader only loads, listed tables. */
export function heartbeatProblems({ file, mapping }: MappingFile): Problem[] {
  const beat = mapping.heartbeat;
  if (!beat || heartbeatTable(mapping)) return [];
  const entry = JSON.stringify({ schema: beat.schema, table: beat.table, primaryKey: ['id'] });
  return [
    {
      file,
      path: pointer('heartbeat'),
      message: `heartbeat ${beat.schema}.${beat.table} is not listed in "tables"; add ${entry} to "tables"`,
    },
  ];
}

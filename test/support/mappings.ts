import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceMapping, TableMapping } from '../../lambdas/shared/mappings/model.js';

/** A valid mapping; tests override the parts they are about. */
export function sourceMappingFactory(overrides: Partial<SourceMapping> = {}): SourceMapping {
  return {
    source: 'shop',
    engine: 'mysql',
    bigquery: { dataset: 'shop_cdc' },
    dms: { cdcMaxBatchIntervalSeconds: 90 },
    tables: [tableMappingFactory()],
    ...overrides,
  };
}

export function tableMappingFactory(overrides: Partial<TableMapping> = {}): TableMapping {
  return { schema: 'sales', table: 'orders', primaryKey: ['id'], ...overrides };
}

/** A temp directory holding the given files (name → content); removed by the returned cleanup. */
export async function mappingDir(
  files: Record<string, unknown>,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'dms2bq-mappings-'));
  for (const [name, content] of Object.entries(files)) {
    await writeFile(
      join(dir, name),
      typeof content === 'string' ? content : JSON.stringify(content, null, 2),
    );
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

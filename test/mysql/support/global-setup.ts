import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installDataDir } from './install.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A data directory with MariaDB's system tables, copied by each test file's server. */
    mariadbTemplate: string;
  }
}

/**
 * mariadb-install-db takes seconds (it bootstraps a server); it runs once per `npm run test:mysql`
 * and every test file starts its server on a copy, which takes milliseconds.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(join(tmpdir(), 'dms2bq-mariadb-template-'));
  const template = join(root, 'data');
  await installDataDir(template);
  project.provide('mariadbTemplate', template);
  return () => rm(root, { recursive: true, force: true });
}

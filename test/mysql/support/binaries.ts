import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Debian's mariadb-server puts `mariadbd` in /usr/sbin, which is not on a normal user's PATH, and
 * `mariadb-install-db` in /usr/bin; MARIADB_BIN_DIR points at another installation.
 */
export function findBinary(name: string): string {
  const dirs = [
    ...(process.env.MARIADB_BIN_DIR ? [process.env.MARIADB_BIN_DIR] : []),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean),
    '/usr/sbin',
    '/usr/bin',
    '/usr/local/sbin',
    '/usr/local/bin',
  ];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not in this directory; try the next
    }
  }
  throw new Error(
    `${name} not found on PATH or in /usr/sbin: install MariaDB (sudo apt-get install mariadb-server) or set MARIADB_BIN_DIR to its bin directory`,
  );
}

export const mariadbd = (): string => findBinary('mariadbd');
export const mariadbInstallDb = (): string => findBinary('mariadb-install-db');

import { execFile } from 'node:child_process';
import { mariadbInstallDb } from './binaries.js';

/**
 * Creates MariaDB's system tables in `dataDir`. `--no-defaults` keeps the machine's my.cnf out;
 * `normal` authentication gives root a passwordless TCP login (the default, `socket`, would tie
 * root to the Unix user). The grant tables are real, so the doctor's grant checks see real grants.
 */
export function installDataDir(dataDir: string): Promise<void> {
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
  ];
  return new Promise((resolve, reject) => {
    execFile(mariadbInstallDb(), args, { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`mariadb-install-db failed: ${error.message}\n${stdout}${stderr}`));
        return;
      }
      resolve();
    });
  });
}

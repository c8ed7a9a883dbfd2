import { type MysqlSide, mysqlSide } from '../../lambdas/shared/diff/mysql-side.js';
import { UserError } from '../errors.js';
import { redactUrl } from './mysql-row-count.js';

/**
 * A read-only diff session on the source (`mysql://user:password@host:3306`). mysql2 is loaded only
 * here, so commands that never talk to the source do not pay for it. Point it at a replica where
 * tables are large: the checksum queries read every row of the ranges they cover.
 */
export async function connectDiffSource(url: string): Promise<MysqlSide> {
  if (!/^mysql:\/\//.test(url)) {
    throw new UserError(`--source-url must be a mysql:// URL, got ${redactUrl(url)}`, 2);
  }
  const { createConnection } = await import('mysql2/promise');
  const connection = await createConnection({ uri: url, connectTimeout: 10_000 }).catch((error: Error) => {
    throw new UserError(
      `cannot connect to the source at ${redactUrl(url)}: ${error.message}; check the host, the read-only user and the network path`,
      2,
    );
  });
  return mysqlSide(connection).catch(async (error: Error) => {
    await connection.end().catch(() => undefined);
    throw new UserError(`cannot open a read-only transaction at ${redactUrl(url)}: ${error.message}`, 2);
  });
}

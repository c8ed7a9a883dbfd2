import { type MysqlSide, mysqlSide } from '../../lambdas/shared/diff/mysql-side.js';
import { UserError } from '../errors.js';
import { connectSource, redactUrl } from './mysql-row-count.js';

/**
 * A read-only diff session on the source (`mysql://user:password@host:3306`). Point it at a replica where
 * tables are large: the checksum queries read every row of the ranges they cover.
 */
export async function connectDiffSource(url: string): Promise<MysqlSide> {
  const connection = await connectSource(url, 2);
  return mysqlSide(connection).catch(async (error: Error) => {
    await connection.end().catch(() => undefined);
    throw new UserError(`cannot open a read-only transaction at ${redactUrl(url)}: ${error.message}`, 2);
  });
}

import type { Connection } from 'mysql2/promise';
import type { SourceRowCounter } from '../../lambdas/shared/reconcile/reconcile.js';
import { UserError } from '../errors.js';

export interface MysqlRowCounter {
  count: SourceRowCounter;
  close(): Promise<void>;
}

/** The URL with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * A connection to the source (`mysql://user:password@host:3306`), or a one-line error naming the
 * fix. mysql2 (pure JavaScript) is loaded only here, so commands that never talk to the source do
 * not pay for it. `connectFailure` is the exit code of a refused connection.
 */
export async function connectSource(url: string, connectFailure: 1 | 2 = 1): Promise<Connection> {
  if (!/^mysql:\/\//.test(url)) {
    throw new UserError(`--source-url must be a mysql:// URL, got ${redactUrl(url)}`, 2);
  }
  const { createConnection } = await import('mysql2/promise');
  return createConnection({ uri: url, connectTimeout: 10_000 }).catch((error: Error) => {
    throw new UserError(
      `cannot connect to the source at ${redactUrl(url)}: ${error.message}; check the host, the read-only user and the network path`,
      connectFailure,
    );
  });
}

/**
 * Counts a source table's rows over a read-only MySQL connection. `COUNT(*)` on InnoDB scans an index: run it against a replica where tables are large.
 */
export async function connectMysqlRowCounter(url: string): Promise<MysqlRowCounter> {
  const connection = await connectSource(url);
  return {
    count: async (route) => {
      const [rows] = await connection
        .query('SELECT COUNT(*) AS n FROM ??.??', [route.schema, route.table])
        .catch((error: Error & { errno?: number }) => {
          // MySQL 8 names only the table in "SELECT command denied … for table 'bets'"; MariaDB
          // names both: the message says which table of which source, and the fix.
          const fix =
            error.errno === 1142
              ? `GRANT SELECT ON ${route.schema}.* to the read-only user`
              : 'check the mapping and the read-only user';
          throw new UserError(
            `cannot count ${route.schema}.${route.table} at ${redactUrl(url)}: ${error.message}; ${fix}`,
          );
        });
      return Number((rows as { n: number | string }[])[0]?.n ?? 0);
    },
    close: () => connection.end(),
  };
}

import type { Connection } from 'mysql2/promise';
import { UserError } from '../../errors.js';
import { redactUrl } from '../../operate/mysql-row-count.js';

/** Where the source listens, as `--admin-url` names it; the secret's `host` and `port`. */
export interface Endpoint {
  host: string;
  port: number;
}

export function parseEndpoint(url: string): Endpoint {
  if (!/^mysql:\/\//.test(url)) {
    throw new UserError(`--admin-url must be a mysql:// URL, got ${redactUrl(url)}`, 2);
  }
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 3306) };
}

export async function connectAdmin(url: string): Promise<Connection> {
  const { createConnection } = await import('mysql2/promise');
  return createConnection({ uri: url, connectTimeout: 10_000 }).catch((error: Error) => {
    throw new UserError(
      `cannot connect to the source at ${redactUrl(url)}: ${error.message}; check the host, the admin user's password and the network path`,
      2,
    );
  });
}

/** Whether the stored password still logs the DMS user in: 1045 is "access denied". */
export async function canLogIn(endpoint: Endpoint, user: string, password: string): Promise<boolean> {
  const { createConnection } = await import('mysql2/promise');
  try {
    const connection = await createConnection({ ...endpoint, user, password, connectTimeout: 10_000 });
    await connection.end();
    return true;
  } catch (error) {
    if ((error as { errno?: number }).errno === 1045) return false;
    throw new UserError(
      `cannot connect to ${endpoint.host}:${endpoint.port} as ${user} to test the stored password: ${(error as Error).message}`,
      2,
    );
  }
}
